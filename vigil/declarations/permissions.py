from vigil.accounts.models import Task

# Task groups that enter declarations for people (§II.3, §II.4.2.1, checkpoints,
# community teams completing external QRs at the door).
ENTRY_TASKS = (
    Task.HEALTH_STATION,
    Task.DIGITISATION,
    Task.COMMUNITY,
    Task.CHECKPOINT,
    Task.POLICE,
    Task.CDC,
)
