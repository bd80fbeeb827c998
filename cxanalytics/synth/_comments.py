"""Free-text comments with planted themes and planted effects (internal).

Every comment is drawn from its own random stream (a child of the chunk's seed), so adding or
changing the comments leaves every other value of the sample byte-identical. A respondent
mentions at most one theme:

* ``billing`` (wrong charges): mentioned by 35 % of detractors (NPS 0-6), 12 % of the others;
* ``staff`` (helpful, polite staff): by 8 % of detractors, 15 % of passives, 30 % of promoters;
* ``app`` (the mobile app crashes): by 15 % of every group -- the planted *false* effect:
  detractors do not mention it more, and its mentioners do not churn more;
* ``switching`` (leaving for another provider): among the rest, by 60 % of those who churn
  within 180 days of the survey and 6 % of the others;
* ``waiting`` (waiting time): among the rest, with a probability rising with the wait of the
  contact the survey followed (10 % + 10 % per minute beyond the first, at most 60 %).

Whether a respondent writes anything is drawn first (80 %, independent of everything else), so
the probabilities above hold among those who wrote a comment; those without a theme write a
generic remark. Phrasings vary (several per theme and language, some over two lines or with quotes,
Arabic/Persian letter variants typed on the other keyboard, Persian digits and emoji in the
Persian and English comments -- the Arabic export is cp1256, which has neither emoji nor
Arabic-Indic digits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._business import DAY, Customers

THEMES = ("billing", "staff", "app", "switching", "waiting")
P_BILLING = {"detractor": 0.35, "passive": 0.12, "promoter": 0.12}
P_STAFF = {"detractor": 0.08, "passive": 0.15, "promoter": 0.30}
P_APP = 0.15
P_SWITCHING = {"churn_within_180_days": 0.6, "otherwise": 0.06}
SWITCH_WINDOW_DAYS = 180
P_WAITING = {"base": 0.10, "per_minute_beyond_first": 0.10, "max": 0.60}
P_WRITES = 0.8  # writes a comment at all (independent of everything else)

PHRASES = {
    "billing": {
        "en": ("My bill was wrong again, I was charged twice.", "Billing error: extra charges on my bill.",
               "The bill shows charges I never made.", "Wrong amount on my monthly bill.",
               "I was overcharged on my bill for {n} months.",
               'The bill was wrong again.\nI was told the "extra charges" would be refunded, they were not.'),
        "ar": ("الفاتورة خاطئة مرة أخرى، تم خصم المبلغ مرتين.", "خطأ في الفاتورة: رسوم إضافية لم أطلبها.",
               "الفاتورة فيها رسوم غير صحيحة.", "مبلغ الفاتورة الشهرية غير صحيح.",
               "رسوم زائدة في الفاتورة لمدة {n} أشهر.",
               "الفاتورة خاطئة.\nقالوا سيتم التعديل ولم يحدث شيء."),
        "fa": ("صورتحساب اشتباه بود، دو بار پول کم شد.", "صورتحساب اشتباه است و هزینه اضافه دارد.",
               "صورتحساب اشتباه: هزینه‌هایی که استفاده نکردم.", "مبلغ صورتحساب ماهانه اشتباه است.",
               "{n} ماه است که صورتحساب اشتباه می‌آید.",
               "صورتحساب اشتباه است.\nگفتند درست می‌شود ولی نشد."),
    },
    "staff": {
        "en": ("The staff were very helpful and polite.", "Helpful staff at the branch, thank you.",
               "Friendly staff who really helped me.", "Great staff, very helpful and kind."),
        "ar": ("الموظفين متعاونين جداً ومحترمين.", "الموظفين في الفرع متعاونين، شكراً لكم.",
               "الموظفين متعاونين ولطفاء.", "الموظفين متعاونين وتعاملهم ممتاز."),
        "fa": ("کارکنان بسیار مؤدب و کمک‌کننده بودند.", "کارکنان شعبه خیلی کمک کردند، ممنون.",
               "کارکنان خوش‌برخورد و کمک‌کننده.", "برخورد کارکنان عالی بود."),
    },
    "app": {
        "en": ("The app keeps crashing when I log in.", "Your mobile app is slow and crashes.",
               "The app crashes every time I try to pay.", "The app freezes, please fix the app."),
        "ar": ("التطبيق يتوقف عند تسجيل الدخول.", "التطبيق بطيء ويتوقف دائماً.",
               "التطبيق يتعطل كل مرة أحاول الدفع.", "التطبيق لا يعمل، أصلحوا التطبيق."),
        "fa": ("اپلیکیشن موقع ورود بسته می‌شود.", "اپلیکیشن کند است و بسته می‌شود.",
               "هر بار که می‌خواهم پرداخت کنم اپلیکیشن بسته می‌شود.", "اپلیکیشن هنگ می‌کند و بسته می‌شود."),
    },
    "switching": {
        "en": ("I am thinking of switching to another provider.", "Seriously considering another provider.",
               "If this continues I will switch to another provider.", "I will cancel and move to another provider."),
        "ar": ("أفكر في الانتقال إلى شركة أخرى.", "سأنتقل إلى شركة أخرى قريباً.",
               "إذا استمر الوضع سأنتقل إلى شركة أخرى.", "سألغي اشتراكي وأنتقل إلى شركة أخرى."),
        "fa": ("به فکر رفتن به یک اپراتور دیگر هستم.", "احتمالاً به اپراتور دیگری می‌روم.",
               "اگر اینطور ادامه پیدا کند به اپراتور دیگری می‌روم.", "قرارداد را لغو می‌کنم و به اپراتور دیگری می‌روم."),
    },
    "waiting": {
        "en": ("The waiting time on the phone was far too long.", "Waiting time was over {n} minutes.",
               "Long waiting time before anyone answered.", "Too much waiting time in the queue.",
               "Waiting time was terrible.\nOn hold for {n} minutes, then the call dropped."),
        "ar": ("وقت الانتظار على الهاتف طويل جداً.", "وقت الانتظار تجاوز {n} دقيقة.",
               "الانتظار طويل قبل أن يرد أحد.", "الانتظار في الطابور طويل جداً.",
               "الانتظار طويل جداً.\nبقيت على الخط {n} دقيقة."),
        "fa": ("زمان انتظار پشت خط طولانی بود.", "زمان انتظار بیش از {n} دقیقه بود.",
               "زمان انتظار طولانی بود تا کسی جواب داد.", "زمان انتظار در صف طولانی بود.",
               "زمان انتظار طولانی بود.\n{n} دقیقه پشت خط ماندم."),
    },
}
GENERIC = {
    "en": ("Service is okay overall.", "Nothing special to report.", "Everything is fine with the service.",
           "Average service, nothing more."),
    "ar": ("الخدمة مقبولة بشكل عام.", "كل شيء جيد في الخدمة.", "خدمة عادية لا أكثر."),
    "fa": ("در کل خدمات خوب بود.", "همه چیز خوب است.", "خدمات معمولی بود."),
}
OPENERS = {"en": ("", "", "Honestly, ", "Also: "), "ar": ("", "", "بصراحة، "), "fa": ("", "", "راستش، ")}
EMOJI = ("😡", "🙏", "👍", "😞", "📱")
LOCAL_DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}
# Letters typed on the other keyboard: Persian written with Arabic yeh/kaf, Arabic with
# dotless yeh, teh marbuta as heh and bare alef.
VARIANTS = {"fa": str.maketrans({"ی": "ي", "ک": "ك"}), "ar": str.maketrans({"ة": "ه", "أ": "ا", "إ": "ا"})}


def _nps_group(nps: np.ndarray) -> np.ndarray:
    return np.where(nps <= 6, "detractor", np.where(nps >= 9, "promoter", "passive"))


def themed_comments(rng: np.random.Generator, resp: pd.DataFrame, cust: Customers, lang: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Comment text and its planted theme ("" = none) for each row of ``resp``."""
    n = len(resp)
    group = _nps_group(resp["nps"].to_numpy())
    who = resp["customer"].to_numpy()
    death = np.where(who >= 0, cust.death[np.maximum(who, 0)], -1)
    soon = (who >= 0) & (death >= 0) & (death - resp["submitted"].to_numpy() < SWITCH_WINDOW_DAYS * DAY)
    over_wait = np.maximum(resp["wait_min"].to_numpy() - 1.0, 0.0)
    u, u_switch, u_wait, u_writes = rng.random((4, n))
    pb = np.array([P_BILLING[g] for g in group])
    ps = np.array([P_STAFF[g] for g in group])
    theme = np.full(n, "", dtype=object)
    theme[u < pb] = "billing"
    theme[(u >= pb) & (u < pb + ps)] = "staff"
    theme[(u >= pb + ps) & (u < pb + ps + P_APP)] = "app"
    rest = theme == ""
    p_switch = np.where(soon, P_SWITCHING["churn_within_180_days"], P_SWITCHING["otherwise"])
    theme[rest & (u_switch < p_switch)] = "switching"
    rest = theme == ""
    p_wait = np.minimum(P_WAITING["base"] + P_WAITING["per_minute_beyond_first"] * over_wait, P_WAITING["max"])
    theme[rest & (u_wait < p_wait)] = "waiting"
    writes = u_writes < P_WRITES
    theme[~writes] = ""
    pick, opener, number = rng.integers(0, 1000, (3, n))
    emoji, local, variant = rng.random((3, n))
    text = np.full(n, "", dtype=object)
    for i in range(n):
        if theme[i]:
            options = PHRASES[theme[i]][lang]
            first, s = OPENERS[lang][opener[i] % len(OPENERS[lang])], options[pick[i] % len(options)]
            if first and lang == "en" and not s.startswith("I "):
                s = s[0].lower() + s[1:]
            s = first + s
        elif writes[i]:
            s = GENERIC[lang][pick[i] % len(GENERIC[lang])]
        else:
            continue
        s = s.replace("{n}", str(2 + number[i] % 9))
        if lang in LOCAL_DIGITS and local[i] < 0.5:
            s = s.translate(LOCAL_DIGITS[lang])
        if lang in VARIANTS and variant[i] < 0.2:
            s = s.translate(VARIANTS[lang])
        if lang != "ar" and emoji[i] < 0.05:
            s = s + " " + EMOJI[number[i] % len(EMOJI)]
        text[i] = s
    return text, theme


def comment_truth(counts: dict[str, dict[str, int]]) -> dict:
    """The ``comments`` block of ``TRUTH.json``: themes, their phrases, planted effects, counts."""
    return {
        "column": "comment (responses.csv; the comment question of each export)",
        "theme_column": "comment_themes (responses.csv: the planted theme of each genuine comment, empty = none)",
        "themes": {t: {lang: list(p) for lang, p in PHRASES[t].items()} for t in THEMES},
        "generic": {lang: list(p) for lang, p in GENERIC.items()},
        "mechanism": f"a respondent writes a comment with probability {P_WRITES}, independently of "
                     "everything else; a comment mentions one theme at most: billing, staff and app exclusive "
                     "with the given probabilities by NPS group (so they hold among the comments), then "
                     "switching, then waiting among the rest, else a generic remark. Comments with personal "
                     "data (2 %) are left as written (no theme).",
        "effects": {
            "nps": {
                "billing": {"p_detractor": P_BILLING["detractor"], "p_promoter": P_BILLING["promoter"],
                            "difference_detractor_minus_promoter": round(P_BILLING["detractor"] - P_BILLING["promoter"], 10)},
                "staff": {"p_detractor": P_STAFF["detractor"], "p_promoter": P_STAFF["promoter"],
                          "difference_detractor_minus_promoter": round(P_STAFF["detractor"] - P_STAFF["promoter"], 10)},
                "app": {"p_detractor": P_APP, "p_promoter": P_APP, "difference_detractor_minus_promoter": 0.0,
                        "false_claim": "detractors mention app problems more than promoters"},
            },
            "churn": {
                "switching": {"p_mention": P_SWITCHING, "window_days": SWITCH_WINDOW_DAYS,
                              "hazard_ratio": "> 1 (mention follows the churn to come; no single planted value)"},
                "app": {"hazard_ratio": 1.0, "false_claim": "customers who complain about the app churn more"},
            },
            "waiting": P_WAITING,
        },
        "counts": {lang: dict(sorted(c.items())) for lang, c in sorted(counts.items())},
    }
