"""Deterministic demo data for the One Halton KPI dashboard.

Writes every table in `onehalton.contract.TABLES` as Parquet (zstd), plus `manifest.json`,
calibrated to the figures in the domain brief. Everything here is synthetic except the
2020/21 budget statement, which is read verbatim from `data/reference/`.

    python -m onehalton.demo_data --out data/demo [--scale N] [--end-month YYYY-MM] [--seed N]

Determinism: every random draw comes from a numpy Generator whose SeedSequence is the
seed plus a fixed stream number (and, for appointments, the month), rows are written in key
order, Parquet files carry no timestamps, and manifest.json is written with sorted keys and
an "as_of" derived from `end_month`, never from today. The same arguments give byte-identical
files (with the same pyarrow version).

Row order: every table is sorted by its contract key. Code columns (ward, practice, PCN,
area codes, labels) sort as text; category columns (age band, staff type, mode, lead time,
status, indicator code, route, entry type) sort in the contract's order of allowed values.

Scale: `scale=N` adds N-1 synthetic copies of Halton's geography ("as if all of Cheshire
and Merseyside"): wards `E05X#####`, practices `Z#####`, PCNs `UZ####`, sub-ICB `X###`, each
copy with its own deprivation and population level. Only the reference tables and the
appointments grow; Halton's own appointment rows are identical at every scale (the Halton
block has its own random stream). For scale >= 10 appointments are written as a folder with
one file per financial year, one row group per month, written by up to two worker
processes, so memory stays flat and both cores are used.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from onehalton import contract as C

# =============================================================================================
# Calibration constants. "Brief" = /work/shared/domain.md (the project's domain brief); its seed
# documents are cited as the brief cites them. Anything marked INVENTED has no public source and
# is a plausible demo value only; the manifest says so too.
# =============================================================================================

SERIES_START = dt.date(2019, 4, 1)  # all monthly series start April 2019 (task spec)
MIN_END_MONTH = dt.date(2021, 4, 1)  # needs the 2020/21 statement and >= 2 years of series
DEFAULT_SEED = 20210501
FOLDER_SCALE = 10  # scale at which appointments become a folder of per-financial-year files
APPOINTMENT_WORKERS = 2  # processes writing per-financial-year files at large scales (machine has 2 cores)

HALTON_LA_CODE = "E06000006"  # brief: LA code
ENGLAND_CODE = "E92000001"
SUB_ICB_HALTON = "01F"  # brief: former NHS Halton CCG, now the sub-ICB location of that code

# --- Wards. Brief: the 18 wards since May 2021 (names certain). Codes: only E05013186 (Norton
# South & Preston Brook) is verified; the rest follow the brief's "probably E05013169...E05013185
# in alphabetical order" (unverified). In alphabetical order E05013186 falls to Norton South, so
# the two rules agree. Towns from real geography (Widnes north of the Mersey, Runcorn south).
# Populations (5,000-9,500, total 128,500 ~ Census 2021's 128,478) and IMD scores are INVENTED
# (the brief: "ward populations and deprivation were not found"); the IMD-style scores give a
# population-weighted Halton score of about 33 against England's 21.7.
# (name, town, population, imd_score, x_km, y_km) - x/y are rough invented positions used only to
# decide which practices a ward's residents register with; they are not written anywhere.
HALTON_WARDS: tuple[tuple[str, str, int, float, float, float], ...] = (
    ("Appleton", "Widnes", 7000, 40.3, 0.5, 1.5),
    ("Bankfield", "Widnes", 6900, 36.1, 0.9, 2.4),
    ("Beechwood & Heath", "Runcorn", 6300, 13.8, 0.0, -2.8),
    ("Birchfield", "Widnes", 7100, 12.4, -0.5, 3.6),
    ("Bridgewater", "Runcorn", 7000, 30.2, 0.6, -1.3),
    ("Central & West Bank", "Widnes", 7900, 50.2, 0.0, 0.3),
    ("Daresbury, Moore & Sandymoor", "Runcorn", 7000, 9.1, 3.6, -0.4),
    ("Ditton, Hale Village & Halebank", "Widnes", 8200, 33.4, -3.0, 1.0),
    ("Farnworth", "Widnes", 7300, 18.2, 0.5, 3.1),
    ("Grange", "Runcorn", 7700, 44.8, 1.2, -2.2),
    ("Halton Castle", "Runcorn", 7600, 55.3, 2.2, -1.3),
    ("Halton Lea", "Runcorn", 7500, 52.1, 2.0, -2.8),
    ("Halton View", "Widnes", 7000, 39.6, 1.9, 1.2),
    ("Highfield", "Widnes", 5300, 27.9, -0.9, 2.0),
    ("Hough Green", "Widnes", 6800, 38.2, -2.0, 2.1),
    ("Mersey & Weston", "Runcorn", 7300, 42.7, -0.6, -1.5),
    ("Norton North", "Runcorn", 7100, 31.0, 3.3, -1.8),
    ("Norton South & Preston Brook", "Runcorn", 7500, 26.8, 3.5, -3.2),
)
WARD_CODE_VERIFIED = "E05013186"
WARD_CODE_FIRST = 13169  # E05013169 upwards, alphabetical (brief, unverified)

# Age structure (shares of the six contract bands) for a ward of average deprivation. INVENTED,
# close to an ONS mid-year profile for a northern unitary: 0-4 5.6%, 5-17 16%, 65+ 19.4%.
AGE_SHARES = np.array([0.056, 0.160, 0.590, 0.110, 0.064, 0.020])
# More deprived wards skew younger: multiply young shares by (1 + k*z), old by (1 - k*z), where z
# is the ward's IMD score standardised across Halton. INVENTED.
AGE_TILT_YOUNG = 0.10
AGE_TILT_OLD = 0.12

# --- PCNs. Brief: two PCNs, Widnes and Runcorn. Codes INVENTED placeholders (real PCN codes
# are U + 5 digits; "UX" codes cannot be mistaken for one).
HALTON_PCNS = (("UX0001", "Widnes PCN"), ("UX0002", "Runcorn PCN"))

# --- Practices. Brief: 14 practices in 2023; names and codes where the brief gives them
# (code_verified True). Practices the brief names without a code get placeholder codes N81X##
# (code_verified False). The brief names 11 current practices (Upton Rocks Surgery is marked
# archived, so it is left out); three clearly-labelled "Demo Practice" placeholders make up 14.
# List sizes: Tower House ~13,000 and Weaver Vale ~9,000 from the brief, the rest INVENTED so
# that the total is 130,000 (brief: ~130,000 people; NHS C&M place page 129,759). The ward a
# surgery stands in is INVENTED (plausible, not checked).
# (code, name, pcn_code, surgery ward, list_size, code_verified)
HALTON_PRACTICES: tuple[tuple[str, str, str, str, int, bool], ...] = (
    ("N81011", "Bevan Group Practice", "UX0001", "Central & West Bank", 11000, True),
    ("N81019", "Castlefields Health Centre", "UX0002", "Halton Castle", 9500, True),
    ("N81035", "Fir Park Medical Centre", "UX0001", "Farnworth", 8500, True),
    ("N81037", "The Beeches Medical Centre", "UX0001", "Appleton", 9500, True),
    ("N81066", "Grove House Practice", "UX0002", "Mersey & Weston", 8000, True),
    ("N81072", "Murdishaw", "UX0002", "Norton South & Preston Brook", 7000, True),
    ("N81619", "Oaks Place Surgery", "UX0001", "Hough Green", 6500, True),
    ("N81X01", "Peelhouse Medical Plaza", "UX0001", "Halton View", 10500, False),
    ("N81X02", "Tower House Practice", "UX0002", "Grange", 13000, False),
    ("N81X03", "Brookvale Practice", "UX0002", "Norton North", 10000, False),
    ("N81X04", "Weaver Vale Practice", "UX0002", "Halton Lea", 9000, False),
    ("N81X05", "Demo Practice A (Widnes placeholder)", "UX0001", "Ditton, Hale Village & Halebank", 9000, False),
    ("N81X06", "Demo Practice B (Widnes placeholder)", "UX0001", "Birchfield", 8500, False),
    ("N81X07", "Demo Practice C (Runcorn placeholder)", "UX0002", "Beechwood & Heath", 10000, False),
)
# Where residents register: affinity exp(-distance / REG_DECAY_KM), times REG_CROSS_TOWN for a
# practice across the river, then fitted (IPF) to ward populations and practice list sizes.
# INVENTED; it makes "patients mostly live near their practice's town" true.
REG_DECAY_KM = 0.6
REG_CROSS_TOWN = 0.02

# --- GP appointments. Brief (seed 004): "55,000+ appointments a month" for ~130,000 people.
# APPTS_BASE_2019 is the expected Halton monthly mean for April 2019 - March 2020 before Covid;
# trend, post-Covid rebound and seasonality take the 2019-2026 mean to ~56,000.
APPTS_BASE_2019 = 53_500
APPTS_TREND_PER_YEAR = 0.012  # INVENTED: slow growth in demand
# Relative appointments per head per year by age band (0-4, 5-17, 18-64, 65-74, 75-84, 85+).
# Shape after national GP consultation-rate studies (high in infancy, lowest in school age,
# rising steeply after 65); absolute level is set by APPTS_BASE_2019.
APPT_RATE_BY_AGE = np.array([5.5, 2.4, 4.3, 7.0, 9.5, 12.0])
# Deprivation drives need, smoothly: volume multiplier 1 + k*(imd - 30). INVENTED (k gives
# ~0.87x in the least and ~1.15x in the most deprived Halton ward).
APPT_DEPRIVATION_SLOPE = 0.006
# Calendar-month seasonality Jan..Dec: more in winter, a dip in August and at Christmas. INVENTED.
APPT_SEASON = np.array([1.07, 1.03, 1.05, 0.96, 0.97, 0.99, 1.00, 0.88, 1.02, 1.09, 1.08, 0.92])
# Covid volume shape (brief, seed 000: spring 2020 collapse, then recovery): multipliers by month.
APPT_COVID_VOLUME = {
    dt.date(2020, 3, 1): 0.95,
    dt.date(2020, 4, 1): 0.70,
    dt.date(2020, 5, 1): 0.76,
    dt.date(2020, 6, 1): 0.86,
    dt.date(2020, 7, 1): 0.92,
    dt.date(2020, 8, 1): 0.95,
}
APPT_COVID_AFTER = 0.98  # Sep 2020 - Mar 2021
APPT_REBOUND = 1.04  # from April 2021: demand above pre-pandemic (national pattern)
# Practice-level variation (INVENTED): volume per patient and telephone-first tendency.
PRACTICE_VOLUME_SD = 0.04
PRACTICE_PHONE_SD = 0.20

# Mode mix (Face-to-Face, Telephone, Home Visit, Video Conference/Online, Unknown) before Covid,
# at the spring-2020 peak, and settled (2022 on). Brief: from spring 2020 face-to-face fell and
# telephone/video rose sharply; task calibration: F2F 60-70% pre-Covid, ~40-45% from April 2020,
# back to 60-65% through 2021-22. Home visits are added by age below.
MODE_PRE = np.array([0.665, 0.295, 0.0, 0.006, 0.034])
MODE_COVID = np.array([0.425, 0.500, 0.0, 0.040, 0.035])
# How far "remote" the month is: 0 = pre-Covid mix, 1 = Covid-peak mix (anchors, linear between).
REMOTE_ANCHORS = (
    (dt.date(2020, 2, 1), 0.0),
    (dt.date(2020, 3, 1), 0.30),
    (dt.date(2020, 4, 1), 1.0),
    (dt.date(2020, 6, 1), 1.0),
    (dt.date(2021, 4, 1), 0.55),
    (dt.date(2022, 4, 1), 0.15),
    (dt.date(2023, 4, 1), 0.10),
)
# Brief: "e-consultations more than tripled in June 2020": extra video/online weight that month.
VIDEO_JUNE_2020_BOOST = 1.6
# Home-visit share by age band: mostly 75+. INVENTED.
HOME_VISIT_BY_AGE = np.array([0.0004, 0.0004, 0.0015, 0.007, 0.035, 0.11])
F2F_CHILD_BOOST = np.array([1.25, 1.10, 1.0, 1.0, 1.0, 1.0])  # children seen in person more
# Staff type given mode: P(GP), P(Unknown); Other Practice staff is the rest. Task: GP vs Other
# ~45/50, Unknown small.
HCP_GP_BY_MODE = np.array([0.37, 0.60, 0.72, 0.60, 0.40])
HCP_UNKNOWN_BY_MODE = np.array([0.030, 0.030, 0.020, 0.030, 0.120])
# Booking lead time given mode, over the eight values used (national values; the demo uses
# "Unknown / Data Quality" only). Task: Same Day ~40-45%.
LEAD_USED = C.TIME_BETWEEN_BOOK_AND_APPT[:8]
LEAD_BY_MODE = np.array(
    [
        [0.34, 0.08, 0.26, 0.13, 0.07, 0.05, 0.06, 0.01],  # Face-to-Face
        [0.60, 0.09, 0.18, 0.07, 0.03, 0.015, 0.005, 0.01],  # Telephone
        [0.72, 0.10, 0.13, 0.03, 0.01, 0.005, 0.0, 0.005],  # Home Visit
        [0.55, 0.10, 0.22, 0.07, 0.03, 0.015, 0.005, 0.01],  # Video Conference/Online
        [0.35, 0.08, 0.24, 0.12, 0.07, 0.05, 0.05, 0.04],  # Unknown
    ]
)
LEAD_SAME_DAY_65_PLUS = 0.85  # older people's appointments are booked ahead a little more
# Status. DNA ~4-5% overall (brief: DNAs a named risk), higher for long lead times, in younger
# adults and in deprived wards; Unknown ~2-3%. Relative factors INVENTED; DNA_SCALE tuned so that
# Halton's overall DNA rate is ~4.5%.
DNA_BY_LEAD = np.array([0.018, 0.035, 0.055, 0.075, 0.09, 0.095, 0.10, 0.05])
DNA_BY_MODE = np.array([1.0, 0.45, 0.15, 0.8, 1.0])
DNA_BY_AGE = np.array([1.00, 1.05, 1.35, 0.75, 0.65, 0.60])
DNA_DEPRIVATION_SLOPE = 0.018  # multiplier 1 + k*(imd - 30): ~0.62x to ~1.45x across Halton
DNA_SCALE = 1.0
UNKNOWN_BY_LEAD = np.array([0.018, 0.020, 0.025, 0.030, 0.035, 0.035, 0.040, 0.060])

# --- Learning disability health checks. Brief (seed 000): register of 740 in 2020; ambition 75%
# of people aged 14+; checks bunch in Q4; indicators LDHCMI034 (14-17) and LDHCMI035 (18+).
LD_REGISTER_2020 = 740
LD_SHARE_14_17 = 0.08  # ~60 of 740 (task calibration)
LD_REGISTER_GROWTH = 0.016  # per year, INVENTED ("growing slowly")
LD_DECLINE_RATE = 0.035  # share of the register declining in a year, INVENTED ("a few percent")
# Year-end uptake (checks / register) by financial year start. 2019/20 ~60% (task), Covid dip in
# 2020/21, then 70-80% (nationally 79.6% in 2023/24, brief). Years beyond the table use the last.
LD_YEAR_END_UPTAKE = {2019: 0.60, 2020: 0.50, 2021: 0.72, 2022: 0.76, 2023: 0.78, 2024: 0.79, 2025: 0.80, 2026: 0.81}
# Share of the year's checks done in each financial month (Apr..Mar): bunched in Q4. INVENTED.
LD_MONTH_PROFILE = np.array([3, 4, 4, 5, 5, 6, 7, 8, 9, 11, 15, 23], dtype=float)
LD_PRACTICE_SD = 0.35  # logit-scale practice effect, INVENTED

# --- Cancer 28-day FDS. Brief: standard 75% since Oct 2023, 77% by March 2025, 80% by March 2026;
# C&M reached 76% to end March 2024. Task calibration: ~550-650 told a month for Halton;
# 70-74% 2019-2022, ~76% by March 2024, ~78% in 2025/26.
FDS_TOLD_2019 = 575
FDS_TREND_PER_YEAR = 0.012
FDS_COVID = {dt.date(2020, 4, 1): 0.76, dt.date(2020, 5, 1): 0.80, dt.date(2020, 6, 1): 0.92}
FDS_ROUTE_SHARE = {
    "URGENT SUSPECTED CANCER": 0.870,
    "BREAST SYMPTOMATIC, CANCER NOT SUSPECTED": 0.065,
    "NATIONAL SCREENING PROGRAMME": 0.065,
}
# (cancer type, share within its route, logit offset from the overall performance). Shares and
# offsets INVENTED but in the national pattern: skin and breast fast, lower GI and urology slow.
FDS_TYPES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "URGENT SUSPECTED CANCER": (
        ("Suspected skin cancer", 0.20, 0.65),
        ("Suspected lower gastrointestinal cancer", 0.19, -0.55),
        ("Suspected breast cancer", 0.14, 0.55),
        ("Suspected urological malignancies (excluding testicular)", 0.11, -0.60),
        ("Suspected gynaecological cancer", 0.09, -0.25),
        ("Suspected head & neck cancer", 0.075, 0.05),
        ("Suspected upper gastrointestinal cancer", 0.075, -0.15),
        ("Suspected lung cancer", 0.035, -0.20),
        ("Suspected haematological malignancies (excluding acute leukaemia)", 0.02, -0.30),
        ("Suspected brain/central nervous system tumours", 0.01, 0.20),
        ("Suspected children's cancer", 0.01, 0.40),
        ("Suspected sarcoma", 0.006, -0.20),
        ("Suspected testicular cancer", 0.006, 0.50),
        ("Suspected acute leukaemia", 0.002, 0.50),
        ("Other suspected cancer (not listed)", 0.016, 0.0),
        ("Missing or invalid", 0.005, -0.30),
    ),
    "BREAST SYMPTOMATIC, CANCER NOT SUSPECTED": (
        ("Exhibited (non-cancer) breast symptoms - cancer not initially suspected", 1.0, 0.90),
    ),
    "NATIONAL SCREENING PROGRAMME": (
        ("Bowel screening", 0.55, -0.60),
        ("Breast screening", 0.35, 0.90),
        ("Cervical screening", 0.10, -0.50),
    ),
}
# Overall Halton FDS performance anchors (linear between; flat after the last).
FDS_PERFORMANCE_ANCHORS = (
    (dt.date(2019, 4, 1), 0.72),
    (dt.date(2020, 6, 1), 0.74),
    (dt.date(2021, 4, 1), 0.72),
    (dt.date(2022, 9, 1), 0.70),
    (dt.date(2023, 3, 1), 0.71),
    (dt.date(2024, 3, 1), 0.76),
    (dt.date(2025, 3, 1), 0.77),
    (dt.date(2026, 3, 1), 0.78),
    (dt.date(2027, 3, 1), 0.785),
)

# --- Budget. 2020/21 is the published Month 5 statement (brief: seed 000, Appendix 2), read from
# the project's reference file. Later years are INVENTED programme lines, labelled is_synthetic.
BUDGET_REFERENCE_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "budget_2020_21_m5_lines.csv"
BUDGET_DEMO_FIRST_FY = 2021
BUDGET_INFLATION = 0.03
# Ledger: the CCG until 2021/22, the ICB after (CCGs were abolished 1 July 2022); public-health
# schemes on the council's ledger.
LEDGER_CCG = "Halton CCG"
LEDGER_ICB = "NHS Cheshire and Merseyside ICB"
LEDGER_HBC = "Halton Borough Council"
# (funding source, line, host, annual budget GBP in its first year, first FY, ledger, payment)
# payment: "monthly" or "quarterly". All INVENTED (demo lines).
BUDGET_DEMO_LINES: tuple[tuple[str, str, str | None, int, int, str, str], ...] = (
    ("Place Based", "Project Manager - PMO", "Mersey Care", 67000, 2021, "nhs", "monthly"),
    ("Place Based", "Project Admin - PMO", "Halton Borough Council", 36000, 2021, "nhs", "monthly"),
    ("Place Based", "Comms Manager - PMO", "Halton Borough Council", 42000, 2021, "nhs", "monthly"),
    ("Place Based", "BI Analyst - PMO", "Halton Borough Council", 45000, 2022, "nhs", "monthly"),
    ("Place Based", "Unallocated", None, 0, 2021, "nhs", "none"),
    ("Starting Well", "Family Hubs Coordinator", "Halton Borough Council", 48000, 2022, "hbc", "monthly"),
    ("Starting Well", "Infant Feeding Peer Support", "Bridgewater Community Healthcare", 35000, 2021, "nhs", "monthly"),
    ("Starting Well", "Early Help Navigator", "Halton Borough Council", 40000, 2023, "hbc", "monthly"),
    ("Living Well", "CVD Case Finding", "Widnes PCN", 60000, 2021, "nhs", "quarterly"),
    ("Living Well", "CVD Case Finding", "Runcorn PCN", 60000, 2021, "nhs", "quarterly"),
    ("Living Well", "Health Improvement Outreach", "Halton Borough Council", 55000, 2021, "hbc", "monthly"),
    ("Living Well", "Community Mental Health Link Worker", "Mersey Care", 45000, 2022, "nhs", "monthly"),
    ("Living Well", "Cancer Screening Engagement", "Halton & St Helens VCA", 30000, 2023, "nhs", "quarterly"),
    ("Ageing Well", "Named Social Worker", "Halton Borough Council", 92000, 2021, "nhs", "monthly"),
    ("Ageing Well", "Falls Prevention Practitioner", "Bridgewater Community Healthcare", 52000, 2021, "nhs", "monthly"),
    ("Ageing Well", "Dementia Care Advisor", "Alzheimer's Society", 38000, 2021, "nhs", "quarterly"),
    ("Ageing Well", "Care Home MDT Support", "Runcorn PCN", 70000, 2023, "nhs", "quarterly"),
    (
        "Wider Determinants",
        "Social Prescribing Link Workers",
        "Halton & St Helens VCA",
        65000,
        2021,
        "hbc",
        "quarterly",
    ),
    ("Wider Determinants", "Employment Support for Health", "Halton Borough Council", 50000, 2022, "hbc", "monthly"),
    ("Wider Determinants", "Warm Homes Referral Service", "Halton Housing", 40000, 2023, "hbc", "quarterly"),
    ("Wider Determinants", "Healthwatch Engagement", "Healthwatch Halton", 15000, 2022, "hbc", "quarterly"),
)
BUDGET_UNALLOCATED_RANGE = (120_000, 240_000)

# --- Targets (brief).
TARGETS = (
    (
        "ld_health_check_uptake",
        "LTP ambition 75%",
        0.75,
        dt.date(2019, 4, 1),
        "NHS Long Term Plan (2019): 75% of people aged 14+ on GP learning disability registers to have an annual "
        "health check",
    ),
    (
        "cancer_fds",
        "FDS standard 75%",
        0.75,
        dt.date(2023, 10, 1),
        "NHS England cancer waiting times: 28-day Faster Diagnosis Standard of 75% from October 2023",
    ),
    (
        "cancer_fds",
        "Planning target 77% by March 2025",
        0.77,
        dt.date(2024, 4, 1),
        "NHS England 2024/25 priorities and operational planning guidance: 77% by March 2025",
    ),
    # Not a published target: a local example of the kind a place board sets, labelled so on screen and in the
    # manifest. 14 days is the GP access recovery plan's (May 2023) measure of a timely routine appointment.
    (
        "two_week_share",
        "Local example: 90% within two weeks",
        0.90,
        dt.date(2023, 5, 1),
        "LOCAL EXAMPLE, not a published target: 90% of appointments within 14 days of booking, set for the demo "
        "after the GP access recovery plan (NHS England, May 2023)",
    ),
    (
        "cancer_fds",
        "Planning target 80% by March 2026",
        0.80,
        dt.date(2025, 4, 1),
        "NHS England 2025/26 priorities and operational planning guidance: 80% by March 2026",
    ),
)

# --- Public-health indicators (Fingertips layout). IDs from the brief are id_verified=True;
# 41401 (hip fractures 65+) and 93203 (NEET 16-17) are not in the brief, so id_verified=False.
# Values INVENTED around the brief's sanity figures (13% adult smoking; Year 6 overweight or
# obese 41% so obesity alone ~25%; life expectancy 77 male / 81 female; child poverty well above
# England). Halton is worse than England on most deprivation-linked indicators; wards differ by
# their IMD score (gradient `beta`, logit scale for %, log scale for rates, per SD of IMD).
N_INDICATOR_PERIODS = 8


@dataclass(frozen=True)
class IndicatorSpec:
    indicator_id: int
    name: str
    domain: str
    unit: str
    polarity: str
    ci_method: str
    id_verified: bool
    period_kind: str  # calendar | fy | academic | 3yr | imd
    lag_months: int  # months from the end of a period until it is published
    halton: tuple[float, float]  # Halton value, first and last of the periods shown
    england: tuple[float, float]
    beta: float = 0.0
    ward_level: bool = False
    denominator: str = ""  # key into _DENOMINATORS (ward or LA level)
    gaps: tuple[int, ...] = ()  # period start years not published
    by_sex: dict[str, tuple[tuple[float, float], tuple[float, float]]] | None = None  # years only

    @property
    def multiplier(self) -> float:
        return {"%": 100.0, "per 1,000": 1000.0, "per 100,000": 100000.0}.get(self.unit, 1.0)


INDICATOR_SPECS: tuple[IndicatorSpec, ...] = (
    # Starting Well
    IndicatorSpec(
        90631,
        "School readiness: percentage of children achieving a good level of development at the end of Reception",
        "Starting Well",
        "%",
        "high is good",
        "wilson",
        True,
        "academic",
        4,
        (65.5, 63.0),
        (70.7, 67.7),
        beta=-0.25,
        ward_level=True,
        denominator="reception",
        gaps=(2019, 2020),
    ),
    IndicatorSpec(
        90323,
        "Year 6: Prevalence of obesity (including severe obesity)",
        "Starting Well",
        "%",
        "low is good",
        "wilson",
        True,
        "academic",
        5,
        (24.5, 26.0),
        (20.1, 22.1),
        beta=0.25,
        ward_level=True,
        denominator="year6",
    ),
    IndicatorSpec(
        93085,
        "Smoking status at time of delivery",
        "Starting Well",
        "%",
        "low is good",
        "wilson",
        True,
        "fy",
        8,
        (14.5, 9.5),
        (10.8, 7.4),
        denominator="maternities",
    ),
    IndicatorSpec(
        20101,
        "Low birth weight of term babies",
        "Starting Well",
        "%",
        "low is good",
        "wilson",
        True,
        "calendar",
        14,
        (3.3, 3.1),
        (2.8, 2.9),
        beta=0.2,
        ward_level=True,
        denominator="term_births",
    ),
    IndicatorSpec(
        20401,
        "Under 18s conception rate / 1,000",
        "Starting Well",
        "per 1,000",
        "low is good",
        "byar",
        True,
        "calendar",
        15,
        (26.0, 17.0),
        (17.8, 13.1),
        beta=0.35,
        ward_level=True,
        denominator="females_15_17",
    ),
    # Living Well
    IndicatorSpec(
        92443,
        "Smoking Prevalence in adults (18+) - current smokers (APS)",
        "Living Well",
        "%",
        "low is good",
        "wilson",
        True,
        "calendar",
        10,
        (17.0, 13.0),
        (14.9, 11.6),
        denominator="aps_sample",
    ),
    IndicatorSpec(
        91720,
        "Cancer screening coverage: bowel cancer",
        "Living Well",
        "%",
        "high is good",
        "wilson",
        True,
        "calendar",
        6,
        (57.0, 68.0),
        (59.0, 72.0),
        beta=-0.2,
        ward_level=True,
        denominator="bowel_eligible",
    ),
    IndicatorSpec(
        22001,
        "Cancer screening coverage: breast cancer",
        "Living Well",
        "%",
        "high is good",
        "wilson",
        True,
        "calendar",
        6,
        (72.5, 68.5),
        (74.9, 69.9),
        beta=-0.2,
        ward_level=True,
        denominator="breast_eligible",
    ),
    IndicatorSpec(
        93347,
        "Estimated diabetes diagnosis rate",
        "Living Well",
        "%",
        "high is good",
        "wilson",
        True,
        "calendar",
        4,
        (84.0, 86.5),
        (78.0, 80.5),
        denominator="diabetes_expected",
    ),
    IndicatorSpec(
        848,
        "Depression: QOF prevalence (18+)",
        "Living Well",
        "%",
        "no judgement",
        "wilson",
        True,
        "fy",
        7,
        (12.5, 17.5),
        (9.9, 13.2),
        beta=0.2,
        ward_level=True,
        denominator="adults",
    ),
    # Ageing Well
    IndicatorSpec(
        22401,
        "Emergency hospital admissions due to falls in people aged 65 and over",
        "Ageing Well",
        "per 100,000",
        "low is good",
        "dsr",
        True,
        "fy",
        8,
        (2750.0, 2500.0),
        (2200.0, 1950.0),
        beta=0.25,
        ward_level=True,
        denominator="over65",
    ),
    IndicatorSpec(
        92949,
        "Dementia: Estimated diagnosis rate (aged 65 and over)",
        "Ageing Well",
        "%",
        "high is good",
        "wilson",
        True,
        "calendar",
        3,
        (73.0, 70.0),
        (67.5, 65.0),
        beta=-0.1,
        ward_level=True,
        denominator="dementia_expected",
    ),
    IndicatorSpec(
        41401,
        "Hip fractures in people aged 65 and over",
        "Ageing Well",
        "per 100,000",
        "low is good",
        "dsr",
        False,
        "fy",
        8,
        (640.0, 590.0),
        (580.0, 550.0),
        beta=0.2,
        ward_level=True,
        denominator="over65",
    ),
    IndicatorSpec(
        90366,
        "Life expectancy at birth",
        "Ageing Well",
        "years",
        "high is good",
        "none",
        True,
        "3yr",
        14,
        (79.1, 78.5),
        (81.3, 81.0),
        by_sex={"Male": ((77.3, 76.6), (79.5, 79.1)), "Female": ((80.9, 80.4), (83.1, 83.0))},
    ),
    IndicatorSpec(
        90362,
        "Healthy life expectancy at birth",
        "Ageing Well",
        "years",
        "high is good",
        "none",
        True,
        "3yr",
        15,
        (60.0, 58.8),
        (63.5, 61.7),
        by_sex={"Male": ((59.5, 58.5), (63.2, 61.5)), "Female": ((60.5, 59.1), (63.8, 61.9))},
    ),
    # Wider Determinants
    IndicatorSpec(
        92313,
        "Percentage of people in employment (aged 16 to 64)",
        "Wider Determinants",
        "%",
        "high is good",
        "wilson",
        True,
        "fy",
        7,
        (71.0, 73.0),
        (75.2, 75.7),
        denominator="age16_64",
    ),
    IndicatorSpec(
        93700,
        "Children in relative low income families (under 16s)",
        "Wider Determinants",
        "%",
        "low is good",
        "wilson",
        True,
        "fy",
        12,
        (21.0, 26.0),
        (17.0, 20.1),
        beta=0.45,
        ward_level=True,
        denominator="under16",
    ),
    # IMD score: polarity "no judgement" - deprivation is context for the partnership, not a
    # performance measure it is judged on, and Fingertips does not benchmark it (no CI; 'none').
    IndicatorSpec(
        93553,
        "Deprivation score (IMD)",
        "Wider Determinants",
        "score",
        "no judgement",
        "none",
        True,
        "imd",
        0,
        (0.0, 0.0),
        (21.7, 21.7),
        ward_level=True,
    ),
    IndicatorSpec(
        93203,
        "16-17 year olds not in education, employment or training (NEET) or whose activity is not known",
        "Wider Determinants",
        "%",
        "low is good",
        "wilson",
        False,
        "calendar",
        6,
        (7.5, 6.0),
        (6.0, 5.4),
        beta=0.35,
        ward_level=True,
        denominator="age16_17",
    ),
)
# England denominators (INVENTED round magnitudes, persons) for count-based indicators.
ENGLAND_DENOMINATORS = {
    "reception": 650_000,
    "year6": 620_000,
    "maternities": 580_000,
    "term_births": 560_000,
    "females_15_17": 860_000,
    "aps_sample": 180_000,
    "bowel_eligible": 12_500_000,
    "breast_eligible": 7_800_000,
    "diabetes_expected": 4_300_000,
    "adults": 47_500_000,
    "over65": 10_400_000,
    "dementia_expected": 680_000,
    "age16_64": 35_500_000,
    "under16": 10_600_000,
    "age16_17": 1_250_000,
}
# IMD editions: (edition year, month published) and England's average score. Ward scores for
# older editions are the 2019 score times the factor (best-fit to today's wards; INVENTED).
IMD_EDITIONS = (
    (2000, dt.date(2000, 8, 1), 21.5, 0.93),
    (2004, dt.date(2004, 4, 1), 21.7, 0.95),
    (2007, dt.date(2008, 3, 1), 21.7, 0.97),
    (2010, dt.date(2011, 3, 1), 21.7, 0.99),
    (2015, dt.date(2015, 9, 1), 21.8, 1.00),
    (2019, dt.date(2019, 9, 1), 21.7, 1.00),
    (2025, dt.date(2025, 10, 1), 21.9, 1.02),
)

# =============================================================================================
# Arrow types and small helpers
# =============================================================================================

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "count": pa.int64(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "money": pa.decimal128(14, 2),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}
_EPOCH = dt.date(1970, 1, 1)
_PENNY = Decimal("0.01")
_ZSTD = "zstd"

# Random streams: (stream number) -> purpose. Never renumber: that changes every output.
_S_GEO, _S_SYNTH_GEO, _S_APPT_HALTON, _S_APPT_SYNTH, _S_LD, _S_FDS, _S_BUDGET, _S_IND = 1, 2, 3, 4, 5, 6, 7, 8
_S_IND_AGE = 9


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=tuple(key)))


def schema_for(table: C.Table) -> pa.Schema:
    """The Arrow schema the contract implies for a table (no metadata)."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind], nullable=c.nullable) for c in table.columns])


def _build(table: C.Table, cols: dict) -> pa.Table:
    schema = schema_for(table)
    if list(cols) != list(schema.names):
        raise ValueError(f"{table.name}: columns {list(cols)} != contract {schema.names}")
    arrays = []
    for f in schema:
        v = cols[f.name]
        arrays.append(v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write(tbl: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(tbl, path, compression=_ZSTD)


def _month_add(d: dt.date, n: int) -> dt.date:
    k = d.year * 12 + d.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d = _month_add(d, 1)
    return out


def _month_end(d: dt.date) -> dt.date:
    return _month_add(d, 1) - dt.timedelta(days=1)


def _fy_start(d: dt.date) -> int:
    return d.year if d.month >= 4 else d.year - 1


def fy_label(y: int) -> str:
    return f"{y}/{(y + 1) % 100:02d}"


def _fin_month(d: dt.date) -> int:
    return (d.month - 4) % 12 + 1


def _days(d: dt.date) -> int:
    return (d - _EPOCH).days


def _interp_dates(anchors, d: dt.date) -> float:
    xs = [_days(a) for a, _ in anchors]
    ys = [v for _, v in anchors]
    return float(np.interp(_days(d), xs, ys))


def _pounds(pence: int) -> Decimal:
    return Decimal(int(pence)).scaleb(-2).quantize(_PENNY)


def latest_complete_month(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return _month_add(dt.date(today.year, today.month, 1), -1)


def _logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


# =============================================================================================
# Geography: wards, populations, PCNs, practices, and who registers where
# =============================================================================================


@dataclass
class Block:
    """A set of practices and wards whose residents register only among themselves."""

    practice_idx: np.ndarray  # global practice index per local practice
    cell_p: np.ndarray  # global practice index per cell (cells sorted by practice, ward, age)
    cell_w: np.ndarray
    cell_a: np.ndarray
    cell_mu: np.ndarray  # expected appointments per month before time factors


@dataclass
class Geography:
    ward_code: list[str]
    ward_name: list[str]
    ward_town: list[str]
    ward_imd: np.ndarray
    ward_verified: list[bool]
    ward_pop: np.ndarray  # (W, 6) int
    pcn_code: list[str]
    pcn_name: list[str]
    pcn_sub_icb: list[str]
    gp_code: list[str]
    gp_name: list[str]
    gp_pcn: list[str]
    gp_ward: np.ndarray  # global ward index
    gp_list: np.ndarray
    gp_verified: list[bool]
    gp_phone_tilt: np.ndarray
    n_halton_wards: int
    n_halton_practices: int
    blocks: list[Block]


def _age_split(total: int, imd: float, imd_mean: float, imd_sd: float) -> np.ndarray:
    z = (imd - imd_mean) / imd_sd
    tilt = np.array([1 + AGE_TILT_YOUNG * z] * 2 + [1.0] + [1 - AGE_TILT_OLD * z] * 3)
    return _largest_remainder(total, AGE_SHARES * np.clip(tilt, 0.3, None))


def _ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iters: int = 300) -> np.ndarray:
    m = seed.astype(float).copy()
    rows = rows * cols.sum() / rows.sum()
    for _ in range(iters):
        m *= (rows / m.sum(1))[:, None]
        m *= (cols / m.sum(0))[None, :]
    return m


def _halton_share_matrix() -> np.ndarray:
    """(ward, practice) expected registered patients for Halton, fitted to both margins."""
    xy = np.array([(w[4], w[5]) for w in HALTON_WARDS])
    town = np.array([w[1] for w in HALTON_WARDS])
    names = [w[0] for w in HALTON_WARDS]
    p_ward = np.array([names.index(p[3]) for p in HALTON_PRACTICES])
    d = np.sqrt(((xy[:, None, :] - xy[p_ward][None, :, :]) ** 2).sum(-1))
    seed = np.exp(-d / REG_DECAY_KM) * np.where(town[:, None] == town[p_ward][None, :], 1.0, REG_CROSS_TOWN)
    pops = np.array([w[2] for w in HALTON_WARDS], dtype=float)
    lists = np.array([p[4] for p in HALTON_PRACTICES], dtype=float)
    return _ipf(seed, pops, lists)


def _appt_rate_constant(ward_pop: np.ndarray, imd: np.ndarray, reg: np.ndarray) -> float:
    """K such that Halton's expected monthly appointments in 2019/20 average APPTS_BASE_2019."""
    frac = ward_pop / ward_pop.sum(1, keepdims=True)
    dep = 1 + APPT_DEPRIVATION_SLOPE * (imd - 30)
    per_month = (reg.sum(1)[:, None] * frac * APPT_RATE_BY_AGE[None, :] / 12 * dep[:, None]).sum()
    season = APPT_SEASON / APPT_SEASON.mean()
    return APPTS_BASE_2019 / (per_month * season.mean())


def build_geography(scale: int, seed: int) -> Geography:
    rng = _rng(seed, _S_GEO)
    names = [w[0] for w in HALTON_WARDS]
    if names != sorted(names):
        raise AssertionError("HALTON_WARDS must be alphabetical (codes are assigned in that order)")
    hw = len(HALTON_WARDS)
    codes = [f"E05{WARD_CODE_FIRST + i:06d}" for i in range(hw)]
    imd = np.array([w[3] for w in HALTON_WARDS])
    pops = np.array([w[2] for w in HALTON_WARDS])
    imd_mean, imd_sd = float(np.average(imd, weights=pops)), float(imd.std())
    age_pop = np.stack([_age_split(int(p), float(s), imd_mean, imd_sd) for p, s in zip(pops, imd)])
    share = _halton_share_matrix()  # (W, P) registered patients
    practices = sorted(HALTON_PRACTICES)
    if [p[0] for p in practices] != [p[0] for p in HALTON_PRACTICES]:
        raise AssertionError("HALTON_PRACTICES must be sorted by code")
    hp = len(practices)

    geo = Geography(
        ward_code=list(codes),
        ward_name=list(names),
        ward_town=[w[1] for w in HALTON_WARDS],
        ward_imd=imd.copy(),
        ward_verified=[c == WARD_CODE_VERIFIED for c in codes],
        ward_pop=age_pop,
        pcn_code=[p[0] for p in HALTON_PCNS],
        pcn_name=[p[1] for p in HALTON_PCNS],
        pcn_sub_icb=[SUB_ICB_HALTON] * len(HALTON_PCNS),
        gp_code=[p[0] for p in practices],
        gp_name=[p[1] for p in practices],
        gp_pcn=[p[2] for p in practices],
        gp_ward=np.array([names.index(p[3]) for p in practices]),
        gp_list=np.array([p[4] for p in practices]),
        gp_verified=[p[5] for p in practices],
        gp_phone_tilt=np.exp(rng.normal(0, PRACTICE_PHONE_SD, hp)),
        n_halton_wards=hw,
        n_halton_practices=hp,
        blocks=[],
    )
    gp_vol = np.exp(rng.normal(0, PRACTICE_VOLUME_SD, hp))
    k_rate = _appt_rate_constant(age_pop, imd, share)

    def make_block(
        p_off: int, w_off: int, reg: np.ndarray, wpop: np.ndarray, wimd: np.ndarray, pvol: np.ndarray, n_copies: int
    ) -> Block:
        # reg: (copies, W, P); wpop: (copies, W, 6); wimd: (copies, W); pvol: (copies, P)
        frac = wpop / wpop.sum(-1, keepdims=True)
        dep = 1 + APPT_DEPRIVATION_SLOPE * (wimd - 30)
        mu = (
            reg.transpose(0, 2, 1)[..., None]
            * frac[:, None, :, :]
            * (APPT_RATE_BY_AGE / 12)
            * dep[:, None, :, None]
            * pvol[:, :, None, None]
            * k_rate
        )  # (copies, P, W, 6)
        c, p, w, a = np.meshgrid(np.arange(n_copies), np.arange(hp), np.arange(hw), np.arange(6), indexing="ij")
        keep = mu > 1e-3  # drop cells that would average one appointment a century
        return Block(
            practice_idx=(p_off + np.arange(n_copies)[:, None] * hp + np.arange(hp)).ravel(),
            cell_p=(p_off + c * hp + p)[keep],
            cell_w=(w_off + c * hw + w)[keep],
            cell_a=a[keep],
            cell_mu=mu[keep],
        )

    geo.blocks.append(make_block(0, 0, share[None], age_pop[None], imd[None], gp_vol[None], 1))

    n_syn = scale - 1
    if n_syn > 0:
        srng = _rng(seed, _S_SYNTH_GEO)
        imd_mult = srng.uniform(0.45, 1.30, n_syn)
        pop_mult = srng.uniform(0.85, 1.25, n_syn)
        s_imd = np.clip(imd[None, :] * imd_mult[:, None] * np.exp(srng.normal(0, 0.12, (n_syn, hw))), 2.0, 80.0)
        s_imd = np.round(s_imd, 1)
        s_tot = np.round(pops[None, :] * pop_mult[:, None] * np.exp(srng.normal(0, 0.06, (n_syn, hw)))).astype(int)
        s_age = np.zeros((n_syn, hw, 6), dtype=np.int64)
        for k in range(n_syn):
            for j in range(hw):
                s_age[k, j] = _age_split(int(s_tot[k, j]), float(s_imd[k, j]), imd_mean, imd_sd)
        # Residents of a synthetic ward register like Halton's (same shares), scaled to its size.
        ward_share = share / share.sum(1, keepdims=True)
        s_reg = s_tot[:, :, None] * ward_share[None] * (share.sum() / pops.sum())  # (k, W, P)
        s_list = np.round(s_reg.sum(1)).astype(np.int64)
        s_vol = np.exp(srng.normal(0, PRACTICE_VOLUME_SD, (n_syn, hp)))
        s_tilt = np.exp(srng.normal(0, PRACTICE_PHONE_SD, (n_syn, hp)))
        for k in range(n_syn):
            area = k + 2  # Halton is area 1
            geo.pcn_code += [f"UZ{area:03d}1", f"UZ{area:03d}2"]
            geo.pcn_name += [f"Synthetic area {area:03d} North PCN", f"Synthetic area {area:03d} South PCN"]
            geo.pcn_sub_icb += [f"X{area:03d}"] * 2
            for j in range(hw):
                n = k * hw + j + 1
                geo.ward_code.append(f"E05X{n:05d}")
                geo.ward_name.append(f"Synthetic area {area:03d} ward {j + 1:02d}")
                geo.ward_town.append(HALTON_WARDS[j][1])  # the contract only allows Widnes/Runcorn
                geo.ward_verified.append(False)
            for i, p in enumerate(practices):
                n = k * hp + i + 1
                geo.gp_code.append(f"Z{n:05d}")
                geo.gp_name.append(f"Synthetic area {area:03d} practice {i + 1:02d}")
                geo.gp_pcn.append(f"UZ{area:03d}{1 if p[2] == HALTON_PCNS[0][0] else 2}")
                geo.gp_verified.append(False)
        geo.ward_imd = np.concatenate([geo.ward_imd, s_imd.ravel()])
        geo.ward_pop = np.concatenate([geo.ward_pop, s_age.reshape(-1, 6)])
        geo.gp_ward = np.concatenate(
            [geo.gp_ward, (hw + np.arange(n_syn)[:, None] * hw + geo.gp_ward[None, :hp]).ravel()]
        )
        geo.gp_list = np.concatenate([geo.gp_list, s_list.ravel()])
        geo.gp_phone_tilt = np.concatenate([geo.gp_phone_tilt, s_tilt.ravel()])
        geo.blocks.append(make_block(hp, hw, s_reg, s_age, s_imd, s_vol, n_syn))
    return geo


def reference_tables(geo: Geography) -> dict[str, pa.Table]:
    W = len(geo.ward_code)
    wards = _build(
        C.WARDS,
        {
            "ward_code": geo.ward_code,
            "ward_name": geo.ward_name,
            "town": geo.ward_town,
            "imd_score": geo.ward_imd.astype(float),
            "code_verified": geo.ward_verified,
        },
    )
    ward_population = _build(
        C.WARD_POPULATION,
        {
            "ward_code": np.repeat(np.array(geo.ward_code, dtype=object), 6).tolist(),
            "age_band": list(C.AGE_BANDS) * W,
            "population": geo.ward_pop.ravel().astype(np.int64),
        },
    )
    pcns = _build(
        C.PCNS, {"pcn_code": geo.pcn_code, "pcn_name": geo.pcn_name, "sub_icb_location_code": geo.pcn_sub_icb}
    )
    practices = _build(
        C.PRACTICES,
        {
            "gp_code": geo.gp_code,
            "gp_name": geo.gp_name,
            "pcn_code": geo.gp_pcn,
            "ward_code": [geo.ward_code[i] for i in geo.gp_ward],
            "list_size": geo.gp_list.astype(np.int64),
            "code_verified": geo.gp_verified,
        },
    )
    defs = sorted(INDICATOR_SPECS, key=lambda s: s.indicator_id)
    indicator_definitions = _build(
        C.INDICATOR_DEFINITIONS,
        {
            "indicator_id": [s.indicator_id for s in defs],
            "indicator_name": [s.name for s in defs],
            "domain": [s.domain for s in defs],
            "unit": [s.unit for s in defs],
            "multiplier": [s.multiplier for s in defs],
            "polarity": [s.polarity for s in defs],
            "ci_method": [s.ci_method for s in defs],
            "id_verified": [s.id_verified for s in defs],
        },
    )
    tg = sorted(TARGETS, key=lambda t: (t[0], t[3]))
    targets = _build(
        C.TARGETS,
        {
            "kpi_code": [t[0] for t in tg],
            "label": [t[1] for t in tg],
            "target_value": [t[2] for t in tg],
            "effective_from": [t[3] for t in tg],
            "source": [t[4] for t in tg],
        },
    )
    return {
        "wards": wards,
        "ward_population": ward_population,
        "pcns": pcns,
        "practices": practices,
        "indicator_definitions": indicator_definitions,
        "targets": targets,
    }


# =============================================================================================
# GP appointments
# =============================================================================================

_N_MODE, _N_HCP, _N_LEAD = 5, 3, len(LEAD_USED)


def _month_factors(month: dt.date) -> tuple[float, float]:
    """(volume multiplier, remote share 0..1) for a calendar month."""
    t_years = (_days(month) - _days(SERIES_START)) / 365.25
    vol = APPT_SEASON[month.month - 1] / APPT_SEASON.mean() * (1 + APPTS_TREND_PER_YEAR) ** t_years
    if month in APPT_COVID_VOLUME:
        vol *= APPT_COVID_VOLUME[month]
    elif dt.date(2020, 9, 1) <= month < dt.date(2021, 4, 1):
        vol *= APPT_COVID_AFTER
    elif month >= dt.date(2021, 4, 1):
        vol *= APPT_REBOUND
    return vol, _interp_dates(REMOTE_ANCHORS, month)


def _mode_probs(month: dt.date, remote: float) -> np.ndarray:
    """(6 ages, 5 modes) mode mix for the month, before practice tilts."""
    base = MODE_PRE * (1 - remote) + MODE_COVID * remote
    if month == dt.date(2020, 6, 1):
        base = base.copy()
        base[3] *= VIDEO_JUNE_2020_BOOST
    m = np.tile(base, (6, 1))
    m[:, 0] *= F2F_CHILD_BOOST
    m[:, 3] *= np.array([0.3, 0.6, 1.0, 0.8, 0.4, 0.2])  # video mostly working-age adults
    m /= m.sum(1, keepdims=True)
    m *= (1 - HOME_VISIT_BY_AGE)[:, None]
    m[:, 2] = HOME_VISIT_BY_AGE
    return m


def _hcp_mode_table(month: dt.date, remote: float, tilt: np.ndarray) -> np.ndarray:
    """(practices, ages, 15) probabilities over (hcp, mode), hcp-major (key order)."""
    mode = _mode_probs(month, remote)[None, :, :].repeat(len(tilt), 0)
    mode[:, :, 1] *= tilt[:, None]
    mode /= mode.sum(-1, keepdims=True)
    gp = np.clip(HCP_GP_BY_MODE + 0.05 * remote, 0, 1)  # GPs took more of the phone work in 2020
    unk = HCP_UNKNOWN_BY_MODE
    hcp = np.stack([gp, 1 - gp - unk, unk])  # (3, 5)
    joint = hcp[None, None, :, :] * mode[:, :, None, :]  # (P, A, 3, 5)
    return joint.reshape(len(tilt), 6, 15)


def _lead_table(remote: float) -> np.ndarray:
    """(6 ages, 5 modes, 8 lead times)."""
    t = np.tile(LEAD_BY_MODE, (6, 1, 1)).astype(float)
    t[3:, :, 0] *= LEAD_SAME_DAY_65_PLUS
    t[:, :, 0] *= 1 + 0.10 * remote  # more same-day triage in 2020
    return t / t.sum(-1, keepdims=True)


def _multinomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    if len(n) == 0:
        return np.zeros((0, p.shape[-1]), dtype=np.int64)
    return rng.multinomial(n, p)


def appointments_month(geo: Geography, block: Block, month: dt.date, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sparse appointment counts for one block and month, in key order."""
    vol, remote = _month_factors(month)
    n = rng.poisson(block.cell_mu * vol)
    cells = np.flatnonzero(n)
    cp, cw, ca, cn = block.cell_p[cells], block.cell_w[cells], block.cell_a[cells], n[cells]
    # Stage 1: staff type x mode (hcp-major, so the expansion keeps key order).
    p0 = block.practice_idx[0]
    hm = _hcp_mode_table(month, remote, geo.gp_phone_tilt[block.practice_idx])
    x1 = _multinomial(rng, cn, hm[cp - p0, ca])
    r1, k1 = np.nonzero(x1)
    n1 = x1[r1, k1]
    hcp1, mode1 = k1 // _N_MODE, k1 % _N_MODE
    # Stage 2: booking lead time given mode and age.
    lead_t = _lead_table(remote)
    x2 = _multinomial(rng, n1, lead_t[ca[r1], mode1])
    r2, lead2 = np.nonzero(x2)
    n2 = x2[r2, lead2]
    src = r1[r2]
    mode2 = mode1[r2]
    # Stage 3: status given lead time, mode, age and the ward's deprivation.
    w2, a2 = cw[src], ca[src]
    dna = (
        DNA_SCALE
        * DNA_BY_LEAD[lead2]
        * DNA_BY_MODE[mode2]
        * DNA_BY_AGE[a2]
        * (1 + DNA_DEPRIVATION_SLOPE * (geo.ward_imd[w2] - 30))
    )
    dna = np.clip(dna, 0.001, 0.5)
    unk = UNKNOWN_BY_LEAD[lead2]
    x3 = _multinomial(rng, n2, np.stack([1 - dna - unk, dna, unk], axis=1))
    r3, status3 = np.nonzero(x3)
    return {
        "gp": cp[src[r3]],
        "ward": w2[r3],
        "age": a2[r3],
        "hcp": hcp1[r2][r3],
        "mode": mode2[r3],
        "lead": lead2[r3],
        "status": status3,
        "count": x3[r3, status3].astype(np.int64),
    }


def _appointments_schema() -> pa.Schema:
    """The contract schema with text columns dictionary-encoded. Written with store_schema=False,
    Parquet keeps them as plain UTF-8 strings, so readers (pyarrow, DuckDB) see `string` exactly
    as the contract says, while the writer skips hashing millions of strings."""
    return pa.schema(
        [
            pa.field(
                f.name, pa.dictionary(pa.int32(), pa.string()) if f.type == pa.string() else f.type, nullable=f.nullable
            )
            for f in schema_for(C.APPOINTMENTS)
        ]
    )


def _appointments_dicts(geo: Geography) -> dict[str, pa.Array]:
    return {
        "gp_code": pa.array(geo.gp_code, pa.string()),
        "ward_code": pa.array(geo.ward_code, pa.string()),
        "age_band": pa.array(C.AGE_BANDS, pa.string()),
        "hcp_type": pa.array(C.HCP_TYPE, pa.string()),
        "appt_mode": pa.array(C.APPT_MODE, pa.string()),
        "time_between_book_and_appt": pa.array(LEAD_USED, pa.string()),
        "appt_status": pa.array(C.APPT_STATUS, pa.string()),
    }


def appointments_table(geo: Geography, month: dt.date, seed: int, dicts: dict[str, pa.Array] | None = None) -> pa.Table:
    """All appointment rows for one month (every block), in key order, dictionary-encoded."""
    dicts = dicts or _appointments_dicts(geo)
    t = (month.year - SERIES_START.year) * 12 + month.month - SERIES_START.month
    parts = [
        appointments_month(geo, block, month, _rng(seed, _S_APPT_HALTON if b == 0 else _S_APPT_SYNTH, t))
        for b, block in enumerate(geo.blocks)
    ]
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(cat["count"])
    src = {
        "gp_code": "gp",
        "ward_code": "ward",
        "age_band": "age",
        "hcp_type": "hcp",
        "appt_mode": "mode",
        "time_between_book_and_appt": "lead",
        "appt_status": "status",
    }
    arrays = [pa.array(np.full(n, _days(month), dtype=np.int32), type=pa.date32())]
    for name, key in src.items():
        arrays.append(pa.DictionaryArray.from_arrays(pa.array(cat[key].astype(np.int32)), dicts[name]))
    arrays.append(pa.array(cat["count"], type=pa.int64()))
    return pa.Table.from_arrays(arrays, schema=_appointments_schema())


def _write_appointments_fy(geo: Geography, months: list[dt.date], path: Path, seed: int) -> int:
    """One financial year's file, one row group per month (runs in a worker process)."""
    dicts = _appointments_dicts(geo)
    rows = 0
    with pq.ParquetWriter(path, _appointments_schema(), compression=_ZSTD, store_schema=False) as writer:
        for month in months:
            tbl = appointments_table(geo, month, seed, dicts)
            writer.write_table(tbl, row_group_size=max(tbl.num_rows, 1))
            rows += tbl.num_rows
    return rows


def write_appointments(geo: Geography, months: list[dt.date], out_dir: Path, seed: int, folder: bool) -> int:
    single = out_dir / "appointments.parquet"
    folder_path = out_dir / "appointments"
    # Remove the other layout's leftovers so a loader never sees both.
    if folder_path.is_dir():
        for f in folder_path.glob("*.parquet"):
            f.unlink()
    if folder:
        single.unlink(missing_ok=True)
        folder_path.mkdir(parents=True, exist_ok=True)
    else:
        if folder_path.is_dir():
            try:
                folder_path.rmdir()
            except OSError:
                pass
        dicts = _appointments_dicts(geo)
        tbl = pa.concat_tables([appointments_table(geo, m, seed, dicts) for m in months])
        pq.write_table(tbl, single, compression=_ZSTD, row_group_size=262_144, store_schema=False)
        return tbl.num_rows
    by_fy: dict[int, list[dt.date]] = {}
    for m in months:
        by_fy.setdefault(_fy_start(m), []).append(m)
    jobs = [(geo, ms, folder_path / f"{fy}-{(fy + 1) % 100:02d}.parquet", seed) for fy, ms in sorted(by_fy.items())]
    workers = min(APPOINTMENT_WORKERS, len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return sum(_write_appointments_fy(*job) for job in jobs)
    # Each financial year is self-contained (its own random streams, its own file), so the
    # output does not depend on how many workers run or in which order they finish.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(_write_appointments_fy, *zip(*jobs)))


# =============================================================================================
# Learning disability health checks
# =============================================================================================


def ld_health_checks(geo: Geography, months: list[dt.date], seed: int) -> pa.Table:
    rng = _rng(seed, _S_LD)
    hp = geo.n_halton_practices
    # Practices in more deprived areas hold a little more of the register.
    home_imd = geo.ward_imd[geo.gp_ward[:hp]]
    weight = geo.gp_list[:hp] * (1 + 0.01 * (home_imd - 30))
    n_young = round(LD_REGISTER_2020 * LD_SHARE_14_17)
    totals = {0: n_young, 1: LD_REGISTER_2020 - n_young}  # Halton register in 2020/21, by indicator
    size_eff = rng.normal(0, 0.10, hp)  # practices differ a little in register size per patient
    prac_eff = rng.normal(0, LD_PRACTICE_SD, hp)
    profile = LD_MONTH_PROFILE / LD_MONTH_PROFILE.sum()
    fys = sorted({_fy_start(m) for m in months})
    out = {k: [] for k in ("month", "gp", "ind", "num", "den", "dec")}
    last_known = max(LD_YEAR_END_UPTAKE)
    for fy in fys:
        fy_months = [m for m in months if _fy_start(m) == fy]
        uptake = LD_YEAR_END_UPTAKE.get(fy, LD_YEAR_END_UPTAKE[last_known])
        growth = (1 + LD_REGISTER_GROWTH) ** (fy - 2020)
        noise = rng.normal(0, 0.15, hp)
        for ind in (0, 1):
            reg = _largest_remainder(round(totals[ind] * growth), weight * np.exp(size_eff + rng.normal(0, 0.03, hp)))
            declined_end = rng.binomial(reg, LD_DECLINE_RATE)
            eligible = reg - declined_end
            p = _expit(_logit(min(uptake / (1 - LD_DECLINE_RATE), 0.97)) + prac_eff + noise)
            checks_end = rng.binomial(eligible, p)
            checks_m = np.cumsum(np.stack([rng.multinomial(c, profile) for c in checks_end]), axis=1)
            dec_profile = np.linspace(1.5, 0.5, 12)
            dec_profile /= dec_profile.sum()  # declines recorded as invitations go out
            declined_m = np.cumsum(np.stack([rng.multinomial(c, dec_profile) for c in declined_end]), axis=1)
            for m in fy_months:
                fm = _fin_month(m) - 1
                out["month"] += [m] * hp
                out["gp"] += geo.gp_code[:hp]
                out["ind"] += [C.LD_INDICATORS[ind]] * hp
                out["num"].append(checks_m[:, fm])
                out["den"].append(reg - declined_m[:, fm])
                out["dec"].append(declined_m[:, fm])
    num, den, dec = (np.concatenate(out[k]) for k in ("num", "den", "dec"))
    order = sorted(range(len(out["month"])), key=lambda i: (out["month"][i], out["gp"][i], out["ind"][i]))
    return _build(
        C.LD_HEALTH_CHECKS,
        {
            "achievement_month": [out["month"][i] for i in order],
            "gp_code": [out["gp"][i] for i in order],
            "indicator_code": [out["ind"][i] for i in order],
            "numerator": num[order].astype(np.int64),
            "denominator": den[order].astype(np.int64),
            "declined": dec[order].astype(np.int64),
        },
    )


# =============================================================================================
# Cancer 28-day FDS
# =============================================================================================


def _fds_base_logit(month: dt.date, cells: list[tuple[str, str, float, float]]) -> float:
    target = _interp_dates(FDS_PERFORMANCE_ANCHORS, month)
    w = np.array([c[2] for c in cells])
    off = np.array([c[3] for c in cells])
    lo, hi = -5.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float((w * _expit(mid + off)).sum() / w.sum()) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def cancer_fds(months: list[dt.date], seed: int) -> pa.Table:
    rng = _rng(seed, _S_FDS)
    cells = [
        (ctype, route, FDS_ROUTE_SHARE[route] * share, off)
        for route, types in FDS_TYPES.items()
        for ctype, share, off in types
    ]
    type_order = {t: i for i, t in enumerate(C.FDS_CANCER_TYPES)}
    route_order = {r: i for i, r in enumerate(C.FDS_ROUTES)}
    cells.sort(key=lambda c: (type_order[c[0]], route_order[c[1]]))
    shares = np.array([c[2] for c in cells])
    shares = shares / shares.sum()
    offs = np.array([c[3] for c in cells])
    rows = []
    for m in months:
        t_years = (_days(m) - _days(SERIES_START)) / 365.25
        mu = FDS_TOLD_2019 * (1 + FDS_TREND_PER_YEAR) ** t_years * FDS_COVID.get(m, 1.0)
        mu *= 1 + 0.04 * math.cos(2 * math.pi * (m.month - 3) / 12)  # a little seasonality
        total = rng.multinomial(rng.poisson(mu), shares)
        p = _expit(_fds_base_logit(m, cells) + offs + rng.normal(0, 0.08, len(cells)))
        within = rng.binomial(total, p)
        for i, c in enumerate(cells):
            if total[i] > 0:
                rows.append((m, c[0], c[1], int(total[i]), int(within[i])))
    return _build(
        C.CANCER_FDS,
        {
            "period": [r[0] for r in rows],
            "standard": ["28-day FDS"] * len(rows),
            "org_code": [SUB_ICB_HALTON] * len(rows),
            "cancer_type": [r[1] for r in rows],
            "stage_route": [r[2] for r in rows],
            "total": np.array([r[3] for r in rows], dtype=np.int64),
            "within_standard": np.array([r[4] for r in rows], dtype=np.int64),
            "breaches": np.array([r[3] - r[4] for r in rows], dtype=np.int64),
        },
    )


# =============================================================================================
# Budget spend
# =============================================================================================

_ENTRY_ORDER = {e: i for i, e in enumerate(C.BUDGET_ENTRY_TYPES)}


def _budget_reference_rows(path: Path = BUDGET_REFERENCE_CSV) -> list[dict]:
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append(
                {
                    "financial_year": r["financial_year"],
                    "org_ledger": r["org_ledger"],
                    "funding_source": r["funding_source"],
                    "line_title": r["line_title"],
                    "host": r["host"] or None,
                    "entry_type": r["entry_type"],
                    "month": int(r["month"]) if r["month"] else None,
                    "amount_gbp": Decimal(r["amount_gbp"]).quantize(_PENNY),
                    "is_synthetic": False,
                }
            )
    return rows


def _ledger(kind: str, fy: int) -> str:
    if kind == "hbc":
        return LEDGER_HBC
    return LEDGER_CCG if fy < 2022 else LEDGER_ICB


def budget_spend(end_month: dt.date, seed: int) -> pa.Table:
    rng = _rng(seed, _S_BUDGET)
    rows = _budget_reference_rows()
    last_fy, last_fm = _fy_start(end_month), _fin_month(end_month)
    for fy in range(BUDGET_DEMO_FIRST_FY, last_fy + 1):
        n_months = 12 if fy < last_fy else last_fm
        for source, title, host, base, first_fy, ledger, payment in BUDGET_DEMO_LINES:
            if fy < first_fy:
                continue

            def add(entry: str, month: int | None, pence: int) -> None:
                rows.append(
                    {
                        "financial_year": fy_label(fy),
                        "org_ledger": _ledger(ledger, fy),
                        "funding_source": source,
                        "line_title": title,
                        "host": host,
                        "entry_type": entry,
                        "month": month,
                        "amount_gbp": _pounds(pence),
                        "is_synthetic": True,
                    }
                )

            if payment == "none":  # unallocated headroom: a budget and nothing else
                lo, hi = BUDGET_UNALLOCATED_RANGE
                add("budget", None, int(rng.integers(lo // 1000, hi // 1000 + 1)) * 1000 * 100)
                continue
            budget_gbp = int(round(base * (1 + BUDGET_INFLATION) ** (fy - first_fy), -2))
            add("budget", None, budget_gbp * 100)
            monthly = budget_gbp * 100 / 12
            start = int(rng.integers(2, 7)) if fy == first_fy else 1  # recruitment lag in year one
            spend = np.zeros(13)
            for m in range(1, 13):
                if m < start:
                    continue
                if payment == "quarterly":
                    if m % 3 == 0:
                        spend[m] = monthly * (3 if m - start >= 2 else m - start + 1) * rng.uniform(0.9, 1.05)
                else:
                    spend[m] = monthly * rng.uniform(0.92, 1.06)
            if payment == "monthly":  # invoice lag: a month missed, paid with the next
                for m in range(1, 12):
                    if spend[m] > 0 and rng.random() < 0.12:
                        spend[m + 1] += spend[m]
                        spend[m] = 0
            ytd = 0
            for m in range(1, n_months + 1):
                pence = int(round(spend[m]))
                if pence:
                    add("actual", m, pence)
                    ytd += pence
            if fy > first_fy and rng.random() < 0.25:
                add("prior_year_invoice", None, int(round(monthly * rng.uniform(0.2, 0.6))))
            if fy < last_fy:
                if rng.random() < 0.2:
                    add("accrual", 12, int(round(monthly * rng.uniform(0.3, 1.0))))
            elif rng.random() < 0.5:
                remaining = budget_gbp * 100 - ytd
                if remaining > 0:
                    add("accrual", n_months, int(round(remaining * rng.uniform(0.6, 1.0))))
    rows.sort(
        key=lambda r: (
            r["financial_year"],
            r["org_ledger"],
            r["funding_source"],
            r["line_title"],
            r["host"] or "",
            _ENTRY_ORDER[r["entry_type"]],
            r["month"] or 0,
        )
    )
    cols = {c.name: [r[c.name] for r in rows] for c in C.BUDGET_SPEND.columns}
    return _build(C.BUDGET_SPEND, cols)


# =============================================================================================
# Public-health indicators
# =============================================================================================


def _periods(spec: IndicatorSpec, end_month: dt.date) -> list[tuple[str, dt.date]]:
    """The latest N_INDICATOR_PERIODS periods published by end_month: (label, start)."""
    if spec.period_kind == "imd":
        return [(str(y), dt.date(y, 1, 1)) for y, pub, _, _ in IMD_EDITIONS if pub <= end_month]
    out = []
    for y in range(2005, end_month.year + 1):
        if y in spec.gaps:
            continue
        if spec.period_kind == "calendar":
            label, start, end = str(y), dt.date(y, 1, 1), dt.date(y, 12, 1)
        elif spec.period_kind == "fy":
            label, start, end = fy_label(y), dt.date(y, 4, 1), dt.date(y + 1, 3, 1)
        elif spec.period_kind == "academic":
            label, start, end = fy_label(y), dt.date(y, 9, 1), dt.date(y + 1, 8, 1)
        elif spec.period_kind == "3yr":
            label, start, end = f"{y} - {(y + 2) % 100:02d}", dt.date(y, 1, 1), dt.date(y + 2, 12, 1)
        else:
            raise ValueError(spec.period_kind)
        if _month_add(end, spec.lag_months) <= end_month:
            out.append((label, start))
    return out[-N_INDICATOR_PERIODS:]


def _ward_denominators(key: str, pop: np.ndarray) -> np.ndarray:
    """Per-ward denominators (float) from the six age bands. Proportions INVENTED but standard:
    one school year ~ 1/13 of ages 5-17, births ~ 1/5 of ages 0-4, and so on."""
    a04, a517, a1864, a6574, a7584, a85 = (pop[:, i].astype(float) for i in range(6))
    return {
        "reception": a04 / 5,
        "year6": a517 / 13 * 0.95,
        "maternities": a04 / 5 * 0.99,
        "term_births": a04 / 5 * 0.93,
        "females_15_17": a517 * 3 / 13 * 0.49,
        "bowel_eligible": a1864 * 0.11 + a6574,
        "breast_eligible": 0.5 * (a1864 * 0.24 + a6574 * 0.6) * 0.95,
        "adults": (a1864 + a6574 + a7584 + a85) * 1.01,
        "over65": a6574 + a7584 + a85,
        "dementia_expected": a6574 * 0.015 + a7584 * 0.07 + a85 * 0.20,
        "diabetes_expected": (a1864 + a6574 + a7584 + a85) * 0.085,
        "age16_64": a1864 + a517 * 2 / 13,
        "under16": a04 + a517 * 11 / 13,
        "age16_17": a517 * 2 / 13,
        "aps_sample": np.full(len(pop), 600.0 / len(pop)),
    }[key]


def _calibrate_shift(target: float, den: np.ndarray, base: np.ndarray, proportion: bool) -> float:
    lo, hi = -6.0, 6.0
    for _ in range(60):
        mid = (lo + hi) / 2
        v = _expit(base + mid) if proportion else np.exp(base + mid)
        if float((den * v).sum() / den.sum()) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# Directly standardised rates (ci_method dsr, ages 65+): the 2013 European Standard Population's bands from 65,
# how each of the contract's three older bands splits into them (INVENTED, close to England's mid-year shape), and
# how an event's rate rises with age (INVENTED relative rates: falls and hip fractures climb steeply after 80).
DSR_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
_DSR_SPLIT = ((0.55, 0.45), (0.6, 0.4), (0.7, 0.3))  # 65-74, 75-84, 85+ into two five-year bands each
_DSR_ENGLAND_SHARES = np.array([0.27, 0.24, 0.19, 0.14, 0.10, 0.06])
_DSR_AGE_GRADIENT = np.array([0.35, 0.55, 0.95, 1.6, 2.6, 3.8])


def _esp_weights(bands: tuple[str, ...]) -> np.ndarray:
    with C.ESP2013_CSV.open(encoding="utf-8", newline="") as f:
        weights = {r["age_band"]: float(r["weight"]) for r in csv.DictReader(f)}
    return np.array([weights[b] for b in bands])


def _dsr(counts: np.ndarray, pops: np.ndarray, weights: np.ndarray, mult: float) -> np.ndarray:
    """The directly standardised rate over the last axis (age bands), whatever the count: the extract's value.
    (The dashboard shows none below 10 events; that is its rule, not the extract's.)"""
    return (counts / pops * weights).sum(-1) / weights.sum() * mult


def _dsr_rows(spec, label, start, geo, den_w, shape, h_target, e_value, e_den, codes, rng_age):
    """Age-banded counts and populations for England, Halton and each ward, and their indicator rows: value the
    DSR of the bands, count their events, denominator their population. Halton is its wards band by band; the
    shift puts Halton's DSR on its calibrated value (the DSR is linear in exp(shift))."""
    hw = len(codes)
    weights = _esp_weights(DSR_BANDS)
    mult = spec.multiplier
    older = geo.ward_pop[:hw, 3:6].astype(float)
    shares = np.concatenate([older[:, [k]] * np.array(split) for k, split in enumerate(_DSR_SPLIT)], axis=1)
    shares /= shares.sum(1, keepdims=True)
    pops = np.maximum(1, np.round(den_w[:, None] * shares)).astype(np.int64)
    base = np.exp(shape)[:, None] * _DSR_AGE_GRADIENT[None, :]
    halton_pops = pops.sum(0)
    unit_dsr = _dsr((pops * base).sum(0), halton_pops, weights, 1.0)
    rates = base * (h_target / unit_dsr)
    counts = np.minimum(rng_age.poisson(pops * rates), pops)
    e_pops = np.round(e_den * _DSR_ENGLAND_SHARES).astype(np.int64)
    e_rates = _DSR_AGE_GRADIENT * (e_value / _dsr(e_pops * _DSR_AGE_GRADIENT, e_pops, weights, 1.0))
    e_counts = np.round(e_pops * e_rates).astype(np.int64)
    areas = [
        (ENGLAND_CODE, "England", e_counts, e_pops),
        (HALTON_LA_CODE, "Local authority", counts.sum(0), halton_pops),
    ]
    areas += [(c, "Ward", counts[w], pops[w]) for w, c in enumerate(codes)]
    rows, bands = [], []
    for code, area_type, x, n in areas:
        value = float(_dsr(x.astype(float), n.astype(float), weights, mult))
        rows.append(
            (spec.indicator_id, code, area_type, "Persons", label, start, float(x.sum()), float(n.sum()), value)
        )
        bands += [
            (spec.indicator_id, code, area_type, "Persons", label, start, b, int(k), int(m))
            for b, k, m in zip(DSR_BANDS, x, n)
        ]
    return rows, bands


def indicators(geo: Geography, end_month: dt.date, seed: int) -> pa.Table:
    return indicator_tables(geo, end_month, seed)[0]


def indicator_tables(geo: Geography, end_month: dt.date, seed: int) -> tuple[pa.Table, pa.Table]:
    """`indicators` and `indicator_age_bands` (the age bands behind each directly standardised rate)."""
    rng = _rng(seed, _S_IND)
    # Its own stream, so the age bands leave every other indicator's random draws as they were.
    rng_age = _rng(seed, _S_IND_AGE)
    band_rows: list[tuple] = []
    hw = geo.n_halton_wards
    pop = geo.ward_pop[:hw]
    imd = geo.ward_imd[:hw]
    wtot = pop.sum(1)
    z = (imd - np.average(imd, weights=wtot)) / imd.std()
    codes = geo.ward_code[:hw]
    growth = 1.004  # population drift per year for denominators
    rows: list[tuple] = []  # (id, area_code, area_type, sex, label, start, count, den, value)
    for spec in INDICATOR_SPECS:
        periods = _periods(spec, end_month)
        n = len(periods)
        frac = np.linspace(0, 1, n) if n > 1 else np.zeros(1)
        mult = spec.multiplier
        for i, (label, start) in enumerate(periods):
            if spec.period_kind == "imd":
                _, _, eng, factor = next(e for e in IMD_EDITIONS if str(e[0]) == label)
                ward_v = np.round(imd * factor * np.exp(rng.normal(0, 0.03, hw)), 1) if label != "2019" else imd
                rows.append((spec.indicator_id, ENGLAND_CODE, "England", "Persons", label, start, None, None, eng))
                rows.append(
                    (
                        spec.indicator_id,
                        HALTON_LA_CODE,
                        "Local authority",
                        "Persons",
                        label,
                        start,
                        None,
                        None,
                        round(float(np.average(ward_v, weights=wtot)), 1),
                    )
                )
                for c, v in zip(codes, ward_v):
                    rows.append((spec.indicator_id, c, "Ward", "Persons", label, start, None, None, float(v)))
                continue
            if spec.unit == "years":
                sexes = {"Persons": (spec.halton, spec.england), **(spec.by_sex or {})}
                covid = -0.5 if start.year in (2019, 2020) else (-0.25 if start.year == 2021 else 0.0)
                for sex, (h, e) in sexes.items():
                    ev = e[0] + (e[1] - e[0]) * frac[i] + covid
                    hv = h[0] + (h[1] - h[0]) * frac[i] + covid * 1.2 + rng.normal(0, 0.15)
                    rows.append(
                        (spec.indicator_id, ENGLAND_CODE, "England", sex, label, start, None, None, round(ev, 1))
                    )
                    rows.append(
                        (
                            spec.indicator_id,
                            HALTON_LA_CODE,
                            "Local authority",
                            sex,
                            label,
                            start,
                            None,
                            None,
                            round(hv, 1),
                        )
                    )
                continue
            yr = start.year - 2020
            proportion = spec.unit == "%"
            h_target = (spec.halton[0] + (spec.halton[1] - spec.halton[0]) * frac[i]) / mult
            e_value = (spec.england[0] + (spec.england[1] - spec.england[0]) * frac[i]) / mult
            e_den = round(ENGLAND_DENOMINATORS[spec.denominator] * growth**yr)
            e_count = round(e_value * e_den)
            if spec.ci_method == "dsr":
                den_w = np.maximum(
                    1,
                    np.round(_ward_denominators(spec.denominator, pop) * growth**yr * np.exp(rng.normal(0, 0.03, hw))),
                )
                shape = spec.beta * z
                # Drawn and not used: the crude counts these indicators had before they were standardised, so
                # every later indicator's random stream (and so its published values) stays as it was.
                shift = _calibrate_shift(h_target, den_w.astype(np.int64), shape, proportion)
                rng.poisson(den_w.astype(np.int64) * np.exp(shape + shift))
                more, bands = _dsr_rows(spec, label, start, geo, den_w, shape, h_target, e_value, e_den, codes, rng_age)
                rows += more
                band_rows += bands
                continue
            rows.append(
                (
                    spec.indicator_id,
                    ENGLAND_CODE,
                    "England",
                    "Persons",
                    label,
                    start,
                    float(e_count),
                    float(e_den),
                    e_count / e_den * mult,
                )
            )
            den_w = np.maximum(
                1, np.round(_ward_denominators(spec.denominator, pop) * growth**yr * np.exp(rng.normal(0, 0.03, hw)))
            ).astype(np.int64)
            if spec.ward_level:
                shape = spec.beta * z  # smooth deprivation gradient, then shifted to hit Halton's value
                shift = _calibrate_shift(h_target, den_w, shape, proportion)
                pw = _expit(shape + shift) if proportion else np.exp(shape + shift)
                cnt = rng.binomial(den_w, pw) if proportion else np.minimum(rng.poisson(den_w * pw), den_w)
                h_count, h_den = int(cnt.sum()), int(den_w.sum())
                for c, k, d in zip(codes, cnt, den_w):
                    rows.append(
                        (
                            spec.indicator_id,
                            c,
                            "Ward",
                            "Persons",
                            label,
                            start,
                            float(k),
                            float(d),
                            float(k) / float(d) * mult,
                        )
                    )
            else:
                h_den = int(den_w.sum())
                h_count = int(rng.binomial(h_den, h_target)) if proportion else int(rng.poisson(h_den * h_target))
            rows.append(
                (
                    spec.indicator_id,
                    HALTON_LA_CODE,
                    "Local authority",
                    "Persons",
                    label,
                    start,
                    float(h_count),
                    float(h_den),
                    h_count / h_den * mult,
                )
            )
    sex_order = {s: i for i, s in enumerate(C.SEXES)}
    rows.sort(key=lambda r: (r[0], r[1], sex_order[r[3]], r[5], r[4]))
    band_order = {b: i for i, b in enumerate(DSR_BANDS)}
    band_rows.sort(key=lambda r: (r[0], r[1], sex_order[r[3]], r[5], band_order[r[6]]))
    bands = list(zip(*band_rows))
    age_bands = _build(
        C.INDICATOR_AGE_BANDS,
        {name: list(bands[i]) for i, name in enumerate(C.INDICATOR_AGE_BANDS.column_names)},
    )
    cols = list(zip(*rows))
    return _build(
        C.INDICATORS,
        {
            "indicator_id": list(cols[0]),
            "area_code": list(cols[1]),
            "area_type": list(cols[2]),
            "sex": list(cols[3]),
            "time_period": list(cols[4]),
            "period_start": list(cols[5]),
            "count": list(cols[6]),
            "denominator": list(cols[7]),
            "value": [float(v) for v in cols[8]],
        },
    ), age_bands


# =============================================================================================
# Manifest and driver
# =============================================================================================


def _manifest(
    tables: dict[str, pa.Table], end_month: dt.date, scale: int, seed: int, ind_span: tuple[dt.date, dt.date]
) -> dict:
    as_of = _month_end(end_month).isoformat()
    src = f"synthetic demo generator (onehalton.demo_data, seed {seed}, scale {scale})"
    series = (SERIES_START.isoformat(), end_month.isoformat())
    snap = (as_of, as_of)
    syn_note = (
        ""
        if scale == 1
        else (
            f" Scale {scale}: {scale - 1} synthetic areas added (wards E05X#####, practices Z#####, PCNs UZ####, "
            "sub-ICB X###); their 'town' repeats Widnes/Runcorn only because the contract allows no other."
        )
    )
    notes = {
        "wards": "The 18 Halton wards in force since May 2021 (names real). Only E05013186 (Norton South & Preston "
        "Brook) is a verified ONS code; the others are assumed to be E05013169-E05013185 in alphabetical "
        "order (code_verified false). imd_score values are INVENTED (IMD-style, population-weighted Halton "
        "mean about 33)." + syn_note,
        "ward_population": "INVENTED resident populations by age band (wards of 5,000-9,500, Halton total 128,500 "
        "close to Census 2021's 128,478; more deprived wards skew younger)." + syn_note,
        "pcns": "Widnes PCN and Runcorn PCN are real; their codes UX0001/UX0002 are placeholders. Sub-ICB 01F is "
        "the former NHS Halton CCG." + syn_note,
        "practices": "Practice names and ODS codes from the domain brief where given (code_verified true); "
        "placeholder codes N81X## where the brief has none, and three 'Demo Practice' placeholders to "
        "make 14. List sizes: Tower House ~13,000 and Weaver Vale ~9,000 from the brief, the rest "
        "INVENTED to total 130,000; surgery wards INVENTED." + syn_note,
        "indicator_definitions": "Fingertips indicator IDs from the domain brief (id_verified true); 41401 (hip "
        "fractures 65+) and 93203 (NEET) are not in the brief (id_verified false). Rates "
        "are crude (count / denominator x multiplier) except 22401 (falls 65+) and 41401 (hip fractures 65+), "
        "which are directly standardised to the 2013 European Standard Population (ages 65+, ci_method dsr), as "
        "Fingertips publishes them.",
        "targets": "Real targets: NHS Long Term Plan LD health check ambition 75%; cancer 28-day FDS standard 75% "
        "(Oct 2023), planning targets 77% by March 2025 and 80% by March 2026. One LOCAL EXAMPLE, not published: "
        "90% of GP appointments within two weeks of booking from May 2023.",
        "appointments": "SYNTHETIC counts in the national Appointments in General Practice categories plus ward of "
        "residence and age band; calibrated to ~55,000 a month for Halton with the Covid shape "
        "(face-to-face down, telephone/video up from spring 2020). Wards are the current (2021) "
        "wards throughout. Lead time uses 'Unknown / Data Quality' only." + syn_note,
        "ld_health_checks": "SYNTHETIC practice-level LD health checks (LDHCMI034 ages 14-17, LDHCMI035 18+), "
        "cumulative within the financial year; register ~740 in 2020 as in the brief; Halton "
        "practices only at every scale.",
        "cancer_fds": "SYNTHETIC 28-day Faster Diagnosis Standard counts for 01F (Halton) by cancer type and route, "
        "~550-650 told a month, performance ~70-74% to 2022, ~76% by March 2024, ~78% in 2025/26.",
        "budget_spend": "PARTLY SYNTHETIC. 2020/21 is the published One Halton Budget Statement to 31 August 2020 "
        "(Month 5) line by line (is_synthetic false; pence reconstructed so printed totals round "
        "correctly). 2021/22 onwards are INVENTED demo programme lines (is_synthetic true) under "
        "Place Based, Starting Well, Living Well, Ageing Well and Wider Determinants.",
        "indicator_age_bands": "SYNTHETIC age-banded counts and populations (ESP 2013 bands 65-69 to 90+) behind the "
        "directly standardised rates 22401 and 41401, for England, Halton and every ward: each indicator row's "
        "value is the DSR of its bands, its count their events and its denominator their population; Halton is "
        "its wards band by band, calibrated so its DSR follows the same path as before. Age-specific rates "
        "INVENTED, rising steeply with age.",
        "indicators": "SYNTHETIC values in the Fingertips layout for England, Halton (E06000006) and its wards, "
        "around the brief's sanity figures; Halton counts are the sums of ward counts where ward rows "
        "exist. IMD scores appear for the published editions only.",
    }
    spans = {
        "appointments": series,
        "ld_health_checks": series,
        "cancer_fds": series,
        "budget_spend": ("2020-04-01", end_month.isoformat()),
        "indicators": (ind_span[0].isoformat(), ind_span[1].isoformat()),
        "indicator_age_bands": (ind_span[0].isoformat(), ind_span[1].isoformat()),
    }
    out = {}
    for t in C.TABLES:
        start, end = spans.get(t.name, snap)
        out[t.name] = {
            "source": src
            if t.name != "budget_spend"
            else "One Halton Budget Statement Month 5 2020/21 (seed 000, Appendix 2) plus " + src,
            "period_start": start,
            "period_end": end,
            "as_of": as_of,
            "synthetic": True,
            "notes": notes[t.name],
        }
        if t.name == "targets":
            out[t.name]["synthetic"] = False
            out[t.name]["source"] = (
                "NHS Long Term Plan; NHS England planning guidance 2024/25 and 2025/26; one local example"
            )
    return out


def _check_end_month(end_month: dt.date | None) -> dt.date:
    latest = latest_complete_month()
    if end_month is None:
        return latest
    end_month = dt.date(end_month.year, end_month.month, 1)
    if end_month < MIN_END_MONTH:
        raise ValueError(f"end_month must be {MIN_END_MONTH:%Y-%m} or later")
    if end_month > latest:
        raise ValueError(f"end_month {end_month:%Y-%m} is not a complete past month (latest is {latest:%Y-%m})")
    return end_month


def generate(out_dir: Path, *, scale: int = 1, end_month: dt.date | None = None, seed: int = DEFAULT_SEED) -> dict:
    """Write every contract table to out_dir as Parquet plus manifest.json; return a summary."""
    t0 = time.perf_counter()
    if int(scale) != scale or scale < 1:
        raise ValueError("scale must be a positive integer")
    scale = int(scale)
    end_month = _check_end_month(end_month)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    months = _months(SERIES_START, end_month)

    geo = build_geography(scale, seed)
    tables = reference_tables(geo)
    tables["ld_health_checks"] = ld_health_checks(geo, months, seed)
    tables["cancer_fds"] = cancer_fds(months, seed)
    tables["budget_spend"] = budget_spend(end_month, seed)
    tables["indicators"], tables["indicator_age_bands"] = indicator_tables(geo, end_month, seed)
    rows = {}
    for name, tbl in tables.items():
        _write(tbl, out_dir / f"{name}.parquet")
        rows[name] = tbl.num_rows
    rows["appointments"] = write_appointments(geo, months, out_dir, seed, folder=scale >= FOLDER_SCALE)
    starts = tables["indicators"].column("period_start").to_pylist()
    manifest = _manifest(tables, end_month, scale, seed, (min(starts), max(starts)))
    (out_dir / C.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {
        "rows": {t.name: rows[t.name] for t in C.TABLES},
        "seconds": round(time.perf_counter() - t0, 2),
        "out_dir": str(out_dir),
        "scale": scale,
        "end_month": end_month.isoformat(),
        "seed": seed,
    }


def _parse_month(s: str) -> dt.date:
    try:
        return dt.datetime.strptime(s, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {s!r}") from exc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m onehalton.demo_data", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder, e.g. data/demo")
    ap.add_argument("--scale", type=int, default=1, help="N x the practices and wards (default 1 = Halton)")
    ap.add_argument(
        "--end-month", type=_parse_month, default=None, help="last month, YYYY-MM (default: the latest complete month)"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    try:
        summary = generate(args.out, scale=args.scale, end_month=args.end_month, seed=args.seed)
    except ValueError as exc:
        ap.error(str(exc))
    width = max(len(n) for n in summary["rows"])
    for name, n in summary["rows"].items():
        print(f"{name:<{width}}  {n:>12,}")
    print(f"{'total':<{width}}  {sum(summary['rows'].values()):>12,}")
    print(
        f"wrote {summary['out_dir']} (scale {summary['scale']}, end month {summary['end_month'][:7]}, "
        f"seed {summary['seed']}) in {summary['seconds']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
