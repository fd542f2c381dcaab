"""yanglao load_demo: the demo jurisdictions and data (idempotent)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yanglao.demo.assessments import load_assessments, load_care_plans
from yanglao.demo.community_activities import load_activities
from yanglao.demo.community_donations import load_donations
from yanglao.demo.community_teams import load_teams
from yanglao.demo.elders import load_elders
from yanglao.demo.facilities import load_facilities
from yanglao.demo.funding import load_demo as load_funding
from yanglao.demo.insights import load_demo as load_figures
from yanglao.demo.interop import load_demo as load_interop
from yanglao.demo.meals import load_demo as load_meals
from yanglao.demo.party import load_demo as load_party
from yanglao.demo.planning import load_demo as load_planning
from yanglao.demo.privacy import load_demo as load_privacy
from yanglao.demo.regions import load_historic, load_villages, roll_up_populations
from yanglao.demo.reports import load_demo as load_report_dates
from yanglao.demo.sanming import load_demo as load_sanming
from yanglao.demo.services import load_services
from yanglao.demo.supervision import load_demo as load_supervision
from yanglao.demo.timebank import load_demo as load_timebank
from yanglao.demo.users import load_users
from yanglao.demo.visits import load_visits
from yanglao.policy.loader import load_packs
from yanglao.regions.importer import import_national
from yanglao.regions.models import Region


class Command(BaseCommand):
    help = "Load the demo: national regions, seed villages, policy packs, demo users."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with YANGLAO_ENV=production")
        started = time.perf_counter()
        if Region.objects.filter(level__lte=4).count() < 40000:
            result = import_national(settings.REGION_DATA_DIR)
            self.stdout.write(f"regions: {result.total} national regions loaded")
        load_historic()
        villages = load_villages()
        roll_up_populations()
        self.stdout.write(f"regions: {villages} demo villages/communities")
        packs = load_packs()
        self.stdout.write(f"policy: {packs.packs} packs, {packs.created} new rules")
        users = load_users()
        elders = load_elders()
        self.stdout.write(f"elders: {elders} demo elders created")
        assessed = load_assessments()
        plans = load_care_plans()
        self.stdout.write(f"elders: {assessed} assessments, {plans} care plans recorded")
        visits = load_visits()
        if visits:
            self.stdout.write(
                "visits: {visitors} visitors, {pairings} pairings, {visits} visits, "
                "{checkin_plans} check-in plans, {meters} water meters".format(**visits)
            )
        banked = load_timebank()
        if banked:
            self.stdout.write("timebank: {volunteers} volunteers, {lines} lines".format(**banked))
        served = load_services()
        if served:
            self.stdout.write(
                "services: {orders} orders, {rated} rated ({low} not satisfied), "
                "{follow_ups} follow-ups".format(**served)
            )
        fed = load_meals()
        if fed:
            self.stdout.write(
                "meals: {points} meal points, {meals} meals ({today} today), "
                "{appointments} hospital appointments".format(**fed)
            )
        built = load_facilities()
        if built:
            self.stdout.write(f"facilities: {built} in 中阳县 and 潞州区")
        sanming = load_sanming()
        if sanming:
            self.stdout.write(
                "sanming: {homes} happiness homes, {centres} village centres "
                "({registered} registered), {rated} star ratings, {grades} grades".format(**sanming)
            )
        party = load_party()
        if party:
            self.stdout.write(
                "party: {facilities} facilities, {organizations} organizations, "
                "{members} members, {activities} activities".format(**party)
            )
        planned = load_planning()
        if planned:
            self.stdout.write(f"planning: {planned} task tables and project applications")
        funded = load_funding()
        if funded:
            self.stdout.write(f"funding: {funded} grants in the ledger")
        supervised = load_supervision()
        if supervised:
            self.stdout.write(
                "supervision: {inspections} inspections, {findings} findings "
                "({escalated} escalated), {evaluations} operator evaluations".format(**supervised)
            )
        held = load_activities()
        if held:
            self.stdout.write(
                "community: {activities} activities held, {upcoming} open for sign-up, "
                "{signups} sign-ups, {attended} attendances".format(**held)
            )
        donated = load_donations()
        if donated:
            self.stdout.write(f"donations: {donated} gifts in the ledger")
        volunteered = load_teams()
        if volunteered:
            self.stdout.write(
                "community: {teams} volunteer teams, {members} members, {confirmed} confirmed "
                "services, {publications} publications of {materials} materials".format(
                    **volunteered
                )
            )
        fed = load_interop()
        if fed:
            self.stdout.write(
                "interop: 宁乡镇敬老院 sent {rows} residents, {matched} matched, "
                "{unmatched} unmatched".format(**fed)
            )
        dated = load_report_dates()
        if dated:
            self.stdout.write(f"reports: {dated} elder files dated back to before the platform")
        protected = load_privacy()
        if protected:
            self.stdout.write(f"privacy: notice, {protected} legal bases, requests, anonymised")
        # Last: the dashboard figures count everything loaded above (and weeks of history).
        figured = load_figures()
        self.stdout.write(f"insights: dashboard figures of {figured} days")
        self.stdout.write(f"users: {len(users)} demo accounts")
        self.stdout.write(f"demo loaded in {time.perf_counter() - started:.1f}s")
