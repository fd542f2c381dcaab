"""yanglao revoke_token TOKEN | --prefix PREFIX | --user USERNAME"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yanglao.accounts import services
from yanglao.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token (by the token itself, its prefix, or all of a user's)."

    def add_arguments(self, parser):
        parser.add_argument("token", nargs="?")
        parser.add_argument("--prefix")
        parser.add_argument("--user", help="revoke every active token of this user")

    def handle(self, *args, token, prefix, user, **options):
        if token:
            qs = ApiToken.objects.filter(key_hash=services.hash_token(token.strip()))
        elif prefix:
            qs = ApiToken.objects.filter(prefix=prefix)
        elif user:
            qs = ApiToken.objects.filter(user__username=user)
        else:
            raise CommandError("give a token, --prefix or --user")
        tokens = list(qs.filter(revoked_at__isnull=True).select_related("user"))
        if not tokens and not qs.exists():
            raise CommandError("no such token")
        for item in tokens:
            services.token_revoke(actor=None, token=item)
        self.stdout.write(f"revoked {len(tokens)} token(s)")
