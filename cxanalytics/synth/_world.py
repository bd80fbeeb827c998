"""The planted parameters of the synthetic business: branches, costs, effects (internal).

Everything the generator draws from is declared here, once, so that ``TRUTH.json`` can be
written from the same objects the simulation used. Effects are deliberately realistic,
not dramatic: a detractor churns about twice as fast as a promoter, one unresolved contact
raises the churn hazard by 30 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: First and last day of the observation window (UTC). ``as_of`` of the sample is END.
START = np.datetime64("2024-07-01T00:00:00", "s")
END = np.datetime64("2026-07-01T00:00:00", "s")  # exclusive: data run through 2026-06-30
WINDOW_DAYS = int((END - START) / np.timedelta64(1, "D"))
#: Customers are acquired up to this many days after START (so everyone is observed a while).
ACQUISITION_DAYS = 669
#: Length of one simulation step in days ("month").
STEP_DAYS = 30
#: Customers per generation chunk: bounds memory at large ``scale``.
CHUNK_CUSTOMERS = 50_000
#: Customers at ``scale=1``.
BASE_CUSTOMERS = 4_000


@dataclass(frozen=True)
class Branch:
    branch_id: str
    name_en: str
    name_ar: str
    name_fa: str
    city: str
    language: str  # main language of the branch's customers
    share: float  # share of customers
    quality: float  # mean latent experience (standard-normal units)
    consistency_sd: float  # visit-to-visit spread of experience
    wait_factor: float  # multiplier on contact-centre waits
    lat: float
    lon: float


BRANCHES: tuple[Branch, ...] = (
    Branch("BR01", "Riyadh Olaya", "الرياض - العليا", "ریاض - العلیا", "Riyadh", "ar", 0.18, 0.10, 0.50, 1.0, 24.69, 46.68),
    Branch("BR02", "Jeddah Tahlia", "جدة - التحلية", "جده - التحلیه", "Jeddah", "ar", 0.15, 0.00, 0.90, 1.0, 21.55, 39.16),
    Branch("BR03", "Dubai Marina", "دبي مارينا", "دبی مارینا", "Dubai", "en", 0.16, 0.25, 0.50, 0.8, 25.08, 55.14),
    Branch("BR04", "Abu Dhabi Corniche", "أبوظبي - الكورنيش", "ابوظبی - کورنیش", "Abu Dhabi", "en", 0.12, 0.10, 0.60, 1.0, 24.47, 54.35),
    Branch("BR05", "Tehran Vanak", "طهران - ونك", "تهران - ونک", "Tehran", "fa", 0.14, 0.05, 0.60, 1.0, 35.76, 51.41),
    Branch("BR06", "Isfahan Chaharbagh", "أصفهان - جهارباغ", "اصفهان - چهارباغ", "Isfahan", "fa", 0.10, -0.45, 0.70, 1.6, 32.65, 51.67),
    Branch("BR07", "Muscat Qurum", "مسقط - القرم", "مسقط - قرم", "Muscat", "ar", 0.12, 0.00, 1.10, 1.3, 23.61, 58.48),
    Branch("BR08", "Doha Pearl", "الدوحة - اللؤلؤة", "دوحه - مروارید", "Doha", "en", 0.03, 0.35, 0.50, 1.0, 25.37, 51.55),
)

#: Language mix of a branch's customers, by the branch's main language.
LANGUAGE_MIX = {
    "ar": {"ar": 0.80, "en": 0.20, "fa": 0.00},
    "en": {"ar": 0.35, "en": 0.65, "fa": 0.00},
    "fa": {"ar": 0.00, "en": 0.10, "fa": 0.90},
}

SEGMENTS = {"consumer": 0.80, "business": 0.20}
PLANS = {"contract": 0.55, "prepaid": 0.45}  # contract: explicit cancellation; prepaid: silent lapse
#: Acquisition channel: share of customers and mean cost to acquire one (currency units).
ACQUISITION = {
    "store": (0.40, 45.0),
    "online": (0.30, 80.0),
    "referral": (0.15, 25.0),
    "partner": (0.15, 120.0),
}

#: Contact channels: share as preferred channel, median wait (s), wait log-sd, median handle (s).
CONTACT_CHANNELS = {
    "phone": (0.40, 75.0, 0.9, 330.0),
    "chat": (0.25, 35.0, 0.8, 540.0),
    "store": (0.20, 240.0, 0.7, 480.0),
    "app": (0.15, 0.0, 0.0, 90.0),
}
CONTACTS_PER_MONTH = 0.30  # mean contact rate (consumer); business customers x1.5
SILENT_SHARE = 0.35  # customers who rarely complain when something goes wrong
P_COMPLAIN = {"voice": 0.55, "silent": 0.05}  # P(complaint | unresolved first contact)
P_RECOVERY = 0.60  # P(complaint leads to a resolution)
RECOVERY_CREDITS = ((0.0, 0.5), (10.0, 0.3), (25.0, 0.2))  # credit amount, probability

#: Latent attitude thresholds on z ~ N(branch quality + 0.15 business, 1).
DETRACTOR_BELOW, PROMOTER_ABOVE = -0.45, 0.65

#: Churn hazard per 30-day step.
BASELINE_HAZARD = {"contract": 0.018, "prepaid": 0.035}
HR_ATTITUDE = {"promoter": 1.00, "passive": 1.35, "detractor": 1.90}
HR_PER_UNRESOLVED = 1.30  # multiplied per unresolved contact so far (capped below)
UNRESOLVED_CAP = 5
HR_RECOVERED = 1.00  # a well-recovered failure neither helps nor hurts retention

#: Effects on the experience at survey time (latent, standard-normal units).
SHIFT_RECOVERED = 0.50  # recovery paradox on satisfaction: planted TRUE
SHIFT_PER_UNRESOLVED = -0.30
SHIFT_PER_WAIT_MINUTE = -0.10  # per minute of wait beyond the first, triggering contact

#: Purchases: monthly rate ~ Gamma(shape, mean); spend per purchase ~ Gamma(6, customer mean).
PURCHASE_RATE_SHAPE, PURCHASE_RATE_MEAN = 1.5, 1.1
SPEND_MEAN = {"consumer": 30.0, "business": 90.0}

#: Survey design.
P_RESPOND = 0.70
P_POST_CONTACT = 0.50  # share of surveys triggered by a contact (else relationship survey)
LANGUAGE_PLATFORM = {"en": "qualtrics", "ar": "surveymonkey", "fa": "google_forms"}
TIMEZONES = {"qualtrics": "Asia/Dubai", "surveymonkey": "Asia/Riyadh", "google_forms": "Asia/Tehran"}
UTC_OFFSET_MINUTES = {"Asia/Dubai": 240, "Asia/Riyadh": 180, "Asia/Tehran": 210}

SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: Planted population perception-minus-expectation gap per dimension (latent points, 1-7 scale).
SERVQUAL_GAP = {
    "tangibles": -0.2,
    "reliability": -1.1,
    "responsiveness": -0.9,
    "assurance": -0.4,
    "empathy": -0.6,
}
PILLARS = ("personalisation", "integrity", "expectations", "resolution", "time_effort", "empathy")
PILLAR_OFFSET = {
    "personalisation": -0.6,
    "integrity": 0.4,
    "expectations": 0.0,
    "resolution": -0.3,
    "time_effort": -0.5,
    "empathy": 0.1,
}

#: Dirt rates per export (shares of genuine responses), plus fixed counts at scale 1.
DIRT = {
    "duplicate": 0.02,
    "speeder": 0.02,
    "straightliner": 0.02,
    "partial": 0.04,
    "non_substantive": 0.03,
    "sentinel": 0.01,
    "arabic_digits": 0.35,
    "persian_digits": 0.40,
    "out_of_range": 0.005,
}
#: Preview submissions per export at scale 1 (one more test submission; grows as sqrt(scale)).
PREVIEW_ROWS = 3

#: Cost of service (for the economics notebooks): loaded hourly wage of a service agent.
LOADED_HOURLY_WAGE = 28.0
