from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from vigil.accounts import services
from vigil.accounts.models import ApiToken
from vigil.core.permissions import OWN_ACCOUNT, api_requires

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    tasks: list[str]
    jurisdiction_code: str | None
    jurisdiction_name: str | None


@router.get("/me", response=MeOut, summary="The account behind this request")
@api_requires(OWN_ACCOUNT)
def me(request):
    user = request.auth
    unit = user.jurisdiction
    return {
        "username": user.username,
        "full_name": user.full_name,
        "tasks": user.tasks,
        "jurisdiction_code": unit.code if unit else None,
        "jurisdiction_name": unit.name if unit else None,
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str


class TokenCreated(TokenOut):
    secret: str


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@api_requires(OWN_ACCOUNT)
def list_tokens(request):
    return ApiToken.objects.filter(user=request.auth)


@router.post(
    "/tokens",
    response={201: TokenCreated},
    summary="Create a personal API token",
    description="The secret is returned once, here; only its hash is stored.",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"name": "phone"}}}}
    },
)
@api_requires(OWN_ACCOUNT)
def create_token(request, payload: TokenIn):
    token, secret = services.create_token(request.auth, payload.name.strip()[:100] or "token")
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
@api_requires(OWN_ACCOUNT)
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, user=request.auth, pk=token_id)
    services.revoke_token(request.auth, token)
    return Status(204, None)
