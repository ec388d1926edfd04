# Task groups that enter declarations for people (§II.3, §II.4.2.1, checkpoints,
# community teams completing external QRs at the door). Defined with the menu.
from vigil.core.modules import ENTRY as ENTRY_TASKS

__all__ = ["ENTRY_TASKS"]
