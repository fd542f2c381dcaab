"""yanglao issue_token USERNAME [--days N]: prints the token and nothing else."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yanglao.accounts import services
from yanglao.accounts.models import User
from yanglao.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API bearer token (stored hashed; 90 days by default)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--name", default="")

    def handle(self, *args, username, days, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        try:
            _token, raw = services.token_issue(actor=None, user=user, days=days, name=name)
        except DomainError as error:
            raise CommandError(error.message + " " + str(error.fields)) from None
        self.stdout.write(raw)
