"""Who reads the dashboard: city, county, township and village officers, the people who
run a region (a Party officer, an operator or a visitor has pages of their own)."""

from yanglao.accounts.roles import ELDER_WRITERS

INSIGHT_READERS = ELDER_WRITERS
