"""The verification pages, by capability: `arrivals` (the commune's queues and
verifying a declaration), `approvals` (registrations to return), `military`
(the military command's queue) and `citizen` (citizens' registrations, under
/khai-bao/)."""
