"""Print how to reach and log in to the demo."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yanglao.demo.users import DEMO_PASSWORD, load_users


class Command(BaseCommand):
    help = "Print the demo address and logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        rows = load_users()
        line = "=" * 72
        self.stdout.write(line)
        self.stdout.write(f"  养老服务平台演示  http://{host}:{port}/")
        self.stdout.write(
            f"  所有演示账号的密码 (password for every demo account): {DEMO_PASSWORD}"
        )
        self.stdout.write(line)
        for username, role, region, where in rows:
            self.stdout.write(f"  {username:<12} {role:<14} {region:<8} {where}")
        self.stdout.write(line)
        self.stdout.write(f"  长辈版服务申请页（免登录）: http://{host}:{port}/s/r/demo-request/")
        self.stdout.write("  API: /api/v1/docs  ·  停止: Ctrl+C")
        self.stdout.write(line)
