"""Later issues fill this app: members, WeChat login, points, tiers, follow-up tasks."""
