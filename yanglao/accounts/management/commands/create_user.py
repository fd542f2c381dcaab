"""yanglao create_user USERNAME --region CODE --role ROLE [--password P]

Never prompts. Creates the user, or updates it when run again. A new user without
--password gets a generated one, printed once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yanglao.accounts import services
from yanglao.accounts.models import User
from yanglao.accounts.roles import Role
from yanglao.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update a user (no prompts)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help="region code, e.g. 141129")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", default=None)
        parser.add_argument("--full-name", default=None)
        parser.add_argument("--phone", default=None)

    def handle(self, *args, username, region, role, password, full_name, phone, **options):
        try:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                user, password = services.user_create(
                    actor=None,
                    username=username,
                    region_code=region,
                    role=role,
                    full_name=full_name or "",
                    phone=phone or "",
                    password=password,
                )
                self.stdout.write(f"created {user.username} ({role} @ {region})")
                self.stdout.write(f"password: {password}")
                return
            services.user_update(
                actor=None,
                user=user,
                region_code=region,
                role=role,
                full_name=full_name,
                phone=phone,
            )
            if not user.is_active:
                services.user_set_active(actor=None, user=user, active=True)
            if password:
                services.user_reset_password(actor=None, user=user, password=password)
                self.stdout.write(f"updated {user.username} ({role} @ {region}); password set")
            else:
                self.stdout.write(
                    f"updated {user.username} ({role} @ {region}); password unchanged"
                )
        except DomainError as error:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            raise CommandError(f"{error.message} {details}".strip()) from None
