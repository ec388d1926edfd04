"""A tiny OpenID provider (django-oauth-toolkit) that the SSO tests start as a
subprocess: Vigil's OIDC client is tested against a real provider, with real
redirects, tokens signed by an RSA key, discovery and userinfo."""
