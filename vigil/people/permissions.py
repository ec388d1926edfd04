from vigil.accounts.models import Task

# Task groups whose work needs the whole ID number and phone (to call, to match
# paper forms, to verify at the door). Leaders read numbers, not identities.
IDENTITY_TASKS = (
    Task.COMMUNITY,
    Task.POLICE,
    Task.MILITARY,
    Task.HEALTH_STATION,
    Task.DIGITISATION,
    Task.CDC,
    Task.CHECKPOINT,
    Task.FACILITY,
)


def may_see_identity(user):
    return user.has_task(*IDENTITY_TASKS)
