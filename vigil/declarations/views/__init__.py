"""The declarations app's pages, by audience: `citizen` (the public pages under
/khai-bao/), `entry` (staff entering declarations and importing paper forms) and
`records` (staff reading declarations: list, detail, scanner).
"""
