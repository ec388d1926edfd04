"""Staff entry, paper import and the channel lists (mounted under /declarations/)."""

urlpatterns = []
