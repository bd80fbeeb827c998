"""The answer-label lexicon: English, Arabic and Persian scale labels and non-answers (data only).

Adding a language or a wording is adding rows here; :mod:`cxanalytics.ingest.text` does the matching.
"""

from __future__ import annotations

from typing import NamedTuple

#: Scale name -> (minimum, maximum) score.
SCALES: dict[str, tuple[int, int]] = {
    "agree5": (1, 5), "agree7": (1, 7), "satisfaction5": (1, 5), "nps": (0, 10),
    "extent5": (1, 5), "likely5": (1, 5), "definitely5": (1, 5), "frequency5": (1, 5), "frequency5_half": (1, 5),
}  # fmt: skip


class LexiconRow(NamedTuple):
    """One row of :data:`LEXICON`: labels (``|``-separated variants) with one score."""

    scale: str
    language: str
    score: int
    labels: str


_AR_NEUTRAL = "محايد|لا أوافق ولا أعارض|لا موافق ولا معارض"
_FA_NEUTRAL = "نه موافقم نه مخالفم|نه موافق نه مخالف|بی‌نظر|نظری ندارم|بدون نظر|ممتنع"
_EN_NEUTRAL = "neither agree nor disagree|neither agree or disagree|neutral|undecided"
_R = LexiconRow
#: The label table: adding a language or a wording is adding rows.
LEXICON: tuple[LexiconRow, ...] = (
    _R("satisfaction5", "en", 1, "very dissatisfied|extremely dissatisfied|completely dissatisfied|very unsatisfied"),
    _R("satisfaction5", "en", 2, "dissatisfied|somewhat dissatisfied|unsatisfied"),
    _R("satisfaction5", "en", 3, "neither satisfied nor dissatisfied|neither satisfied or dissatisfied|neutral"),
    _R("satisfaction5", "en", 4, "satisfied|somewhat satisfied"),
    _R("satisfaction5", "en", 5, "very satisfied|extremely satisfied|completely satisfied"),
    _R("satisfaction5", "ar", 1, "غير راضٍ إطلاقًا|غير راضٍ على الإطلاق|غير راضٍ تمامًا|غير راضٍ جدًا"
       "|غير راضي إطلاقا|غير راضي على الإطلاق|غير راضي تماما|غير راضي جدا"),
    _R("satisfaction5", "ar", 2, "غير راضٍ|غير راضي|غير راضٍ إلى حد ما|غير راضي إلى حد ما"),
    _R("satisfaction5", "ar", 3, "محايد|لا راضٍ ولا غير راضٍ|لا راضي ولا غير راضي"),
    _R("satisfaction5", "ar", 4, "راضٍ|راضي|راضٍ إلى حد ما|راضي إلى حد ما"),
    _R("satisfaction5", "ar", 5, "راضٍ جدًا|راضي جدا|راضٍ تمامًا|راضي تماما|راضٍ للغاية|راضي للغاية"),
    _R("satisfaction5", "fa", 1, "کاملاً ناراضی|خیلی ناراضی|بسیار ناراضی"),
    _R("satisfaction5", "fa", 2, "ناراضی|تا حدودی ناراضی|تا حدی ناراضی|نسبتاً ناراضی"),
    _R("satisfaction5", "fa", 3, "نه راضی نه ناراضی|بی‌نظر|بدون نظر|متوسط"),
    _R("satisfaction5", "fa", 4, "راضی|تا حدودی راضی|تا حدی راضی|نسبتاً راضی"),
    _R("satisfaction5", "fa", 5, "کاملاً راضی|خیلی راضی|بسیار راضی"),
    _R("agree5", "en", 1, "strongly disagree|completely disagree|totally disagree"),
    _R("agree5", "en", 2, "disagree|somewhat disagree|tend to disagree"),
    _R("agree5", "en", 3, _EN_NEUTRAL),
    _R("agree5", "en", 4, "agree|somewhat agree|tend to agree"),
    _R("agree5", "en", 5, "strongly agree|completely agree|totally agree"),
    _R("agree5", "ar", 1, "لا أوافق بشدة|غير موافق بشدة|أعارض بشدة|لا أوافق إطلاقًا"),
    _R("agree5", "ar", 2, "لا أوافق|غير موافق|أعارض|لا أوافق إلى حد ما|غير موافق إلى حد ما"),
    _R("agree5", "ar", 3, _AR_NEUTRAL),
    _R("agree5", "ar", 4, "أوافق|موافق|أوافق إلى حد ما|موافق إلى حد ما"),
    _R("agree5", "ar", 5, "أوافق بشدة|موافق بشدة|أوافق تمامًا|موافق تمامًا"),
    _R("agree5", "fa", 1, "کاملاً مخالفم|کاملاً مخالف|شدیداً مخالفم|بسیار مخالفم"),
    _R("agree5", "fa", 2, "مخالفم|مخالف|تا حدودی مخالفم|تا حدودی مخالف|تا حدی مخالفم|تا حدی مخالف"),
    _R("agree5", "fa", 3, _FA_NEUTRAL),
    _R("agree5", "fa", 4, "موافقم|موافق|تا حدودی موافقم|تا حدودی موافق|تا حدی موافقم|تا حدی موافق"),
    _R("agree5", "fa", 5, "کاملاً موافقم|کاملاً موافق|شدیداً موافقم|بسیار موافقم"),
    _R("agree7", "en", 1, "strongly disagree|completely disagree"),
    _R("agree7", "en", 2, "disagree|moderately disagree"),
    _R("agree7", "en", 3, "somewhat disagree|slightly disagree"),
    _R("agree7", "en", 4, _EN_NEUTRAL),
    _R("agree7", "en", 5, "somewhat agree|slightly agree"),
    _R("agree7", "en", 6, "agree|moderately agree"),
    _R("agree7", "en", 7, "strongly agree|completely agree"),
    _R("agree7", "ar", 1, "لا أوافق بشدة|غير موافق بشدة|أعارض بشدة"),
    _R("agree7", "ar", 2, "لا أوافق|غير موافق|أعارض"),
    _R("agree7", "ar", 3, "لا أوافق إلى حد ما|غير موافق إلى حد ما|أعارض إلى حد ما"),
    _R("agree7", "ar", 4, _AR_NEUTRAL),
    _R("agree7", "ar", 5, "أوافق إلى حد ما|موافق إلى حد ما"),
    _R("agree7", "ar", 6, "أوافق|موافق"),
    _R("agree7", "ar", 7, "أوافق بشدة|موافق بشدة|أوافق تمامًا|موافق تمامًا"),
    _R("agree7", "fa", 1, "کاملاً مخالفم|کاملاً مخالف|شدیداً مخالفم"),
    _R("agree7", "fa", 2, "مخالفم|مخالف"),
    _R("agree7", "fa", 3, "تا حدودی مخالفم|تا حدودی مخالف|تا حدی مخالفم|تا حدی مخالف|کمی مخالفم"),
    _R("agree7", "fa", 4, _FA_NEUTRAL),
    _R("agree7", "fa", 5, "تا حدودی موافقم|تا حدودی موافق|تا حدی موافقم|تا حدی موافق|کمی موافقم"),
    _R("agree7", "fa", 6, "موافقم|موافق"),
    _R("agree7", "fa", 7, "کاملاً موافقم|کاملاً موافق|شدیداً موافقم"),
    # ordered rating scales, scored so that a higher score is more of the positive pole
    _R("extent5", "en", 1, "not at all|none at all|to no extent"),
    _R("extent5", "en", 2, "a little|to a small extent|a bit"),
    _R("extent5", "en", 3, "a moderate amount|to a moderate extent|to some extent"),
    _R("extent5", "en", 4, "a lot|quite a bit|to a large extent|considerably"),
    _R("extent5", "en", 5, "a great deal|to a great extent|to a very large extent"),
    _R("extent5", "ar", 1, "لا على الإطلاق|ليس على الإطلاق|على الإطلاق|إطلاقًا"),
    _R("extent5", "ar", 2, "بدرجة قليلة|إلى حد قليل|قليلًا"),
    _R("extent5", "ar", 3, "بدرجة متوسطة|إلى حد متوسط"),
    _R("extent5", "ar", 4, "بدرجة كبيرة|إلى حد كبير|كثيرًا"),
    _R("extent5", "ar", 5, "بدرجة كبيرة جدًا|إلى حد كبير جدًا|كثيرًا جدًا"),
    _R("extent5", "fa", 1, "اصلاً|به هیچ وجه|خیلی کم|بسیار کم"),
    _R("extent5", "fa", 2, "کم"),
    _R("extent5", "fa", 3, "متوسط|تا اندازه‌ای"),
    _R("extent5", "fa", 4, "زیاد"),
    _R("extent5", "fa", 5, "خیلی زیاد|بسیار زیاد"),
    _R("likely5", "en", 1, "extremely unlikely|very unlikely|not at all likely"),
    _R("likely5", "en", 2, "unlikely|somewhat unlikely"),
    _R("likely5", "en", 3, "neither likely nor unlikely|neither likely or unlikely"),
    _R("likely5", "en", 4, "likely|somewhat likely"),
    _R("likely5", "en", 5, "extremely likely|very likely"),
    _R("likely5", "ar", 1, "غير محتمل على الإطلاق|غير محتمل إطلاقًا|مستبعد جدًا|غير مرجح على الإطلاق"),
    _R("likely5", "ar", 2, "غير محتمل|مستبعد|غير مرجح"),
    _R("likely5", "ar", 3, "لا محتمل ولا غير محتمل|لا محتمل ولا مستبعد"),
    _R("likely5", "ar", 4, "محتمل|مرجح"),
    _R("likely5", "ar", 5, "محتمل جدًا|محتمل للغاية|مرجح جدًا|مرجح للغاية"),
    _R("likely5", "fa", 1, "بسیار بعید|خیلی بعید|اصلاً محتمل نیست"),
    _R("likely5", "fa", 2, "بعید|بعید است|نامحتمل"),
    _R("likely5", "fa", 3, "نه محتمل نه بعید"),
    _R("likely5", "fa", 4, "محتمل است"),
    _R("likely5", "fa", 5, "بسیار محتمل|خیلی محتمل"),
    _R("definitely5", "en", 1, "definitely not|certainly not"),
    _R("definitely5", "en", 2, "probably not"),
    _R("definitely5", "en", 3, "might or might not|maybe|possibly"),
    _R("definitely5", "en", 4, "probably yes|probably"),
    _R("definitely5", "en", 5, "definitely yes|definitely|certainly"),
    _R("definitely5", "ar", 1, "بالتأكيد لا|قطعًا لا|لا بالتأكيد"),
    _R("definitely5", "ar", 2, "ربما لا|على الأرجح لا|غالبًا لا"),
    _R("definitely5", "ar", 3, "ربما|قد أو قد لا"),
    _R("definitely5", "ar", 4, "ربما نعم|على الأرجح نعم|غالبًا نعم"),
    _R("definitely5", "ar", 5, "بالتأكيد نعم|نعم بالتأكيد|قطعًا نعم|بالتأكيد"),
    _R("definitely5", "fa", 1, "قطعاً نه|حتماً نه|قطعاً خیر"),
    _R("definitely5", "fa", 2, "احتمالاً نه|احتمالاً خیر"),
    _R("definitely5", "fa", 3, "شاید|ممکن است"),
    _R("definitely5", "fa", 4, "احتمالاً بله|احتمالاً آری"),
    _R("definitely5", "fa", 5, "قطعاً بله|حتماً بله|قطعاً آری"),
    _R("frequency5", "en", 1, "never"),
    _R("frequency5", "en", 2, "rarely|seldom"),
    _R("frequency5", "en", 3, "sometimes|occasionally"),
    _R("frequency5", "en", 4, "often|very often|usually|frequently|most of the time"),
    _R("frequency5", "en", 5, "always"),
    _R("frequency5", "ar", 1, "أبدًا|لا أبدًا|مطلقًا"),
    _R("frequency5", "ar", 2, "نادرًا"),
    _R("frequency5", "ar", 3, "أحيانًا"),
    _R("frequency5", "ar", 4, "غالبًا|معظم الوقت|في أغلب الأحيان"),
    _R("frequency5", "ar", 5, "دائمًا"),
    _R("frequency5", "fa", 1, "هرگز|هیچ‌وقت"),
    _R("frequency5", "fa", 2, "به‌ندرت|بندرت"),
    _R("frequency5", "fa", 3, "گاهی|گاهی اوقات|بعضی اوقات|بعضی وقت‌ها"),
    _R("frequency5", "fa", 4, "اغلب|بیشتر اوقات|اکثر اوقات|معمولاً"),
    _R("frequency5", "fa", 5, "همیشه"),
    # Qualtrics' frequency scale, where "sometimes" is the second step
    _R("frequency5_half", "en", 1, "never"),
    _R("frequency5_half", "en", 2, "sometimes"),
    _R("frequency5_half", "en", 3, "about half the time"),
    _R("frequency5_half", "en", 4, "most of the time"),
    _R("frequency5_half", "en", 5, "always"),
    _R("frequency5_half", "ar", 1, "أبدًا"),
    _R("frequency5_half", "ar", 2, "أحيانًا"),
    _R("frequency5_half", "ar", 3, "حوالي نصف الوقت|نصف الوقت تقريبًا"),
    _R("frequency5_half", "ar", 4, "معظم الوقت"),
    _R("frequency5_half", "ar", 5, "دائمًا"),
    _R("frequency5_half", "fa", 1, "هرگز"),
    _R("frequency5_half", "fa", 2, "گاهی"),
    _R("frequency5_half", "fa", 3, "حدود نیمی از اوقات|نیمی از اوقات"),
    _R("frequency5_half", "fa", 4, "بیشتر اوقات"),
    _R("frequency5_half", "fa", 5, "همیشه"),
    _R("nps", "en", 0, "not at all likely|extremely unlikely"),
    _R("nps", "en", 10, "extremely likely"),
    _R("nps", "ar", 0, "غير محتمل على الإطلاق|غير محتمل إطلاقًا|مستبعد تمامًا"),
    _R("nps", "ar", 10, "محتمل للغاية|محتمل جدًا|مرجح للغاية"),
    _R("nps", "fa", 0, "اصلاً احتمال ندارد|به هیچ وجه|اصلاً"),
    _R("nps", "fa", 10, "به احتمال بسیار زیاد|خیلی زیاد|کاملاً محتمل|حتماً"),
)  # fmt: skip
#: Non-substantive answers, by kind and language: missing with reason NON_SUBSTANTIVE, never 0.
NON_SUBSTANTIVE_LABELS: dict[str, dict[str, str]] = {
    "dont_know": {
        "en": "don't know|do not know|dont know|dk|not sure|unsure|don't know / not sure",
        "ar": "لا أعرف|لا أدري|لا أعلم|لست متأكدًا",
        "fa": "نمی‌دانم|نمیدانم|نمی‌دونم|مطمئن نیستم|اطلاعی ندارم",
    },
    "not_applicable": {
        "en": "n/a|na|n.a.|not applicable|does not apply|doesn't apply",
        "ar": "لا ينطبق|غير منطبق|غير قابل للتطبيق|لا ينطبق علي",
        "fa": "مورد ندارد|صدق نمی‌کند|کاربرد ندارد",
    },
    "refused": {
        "en": "prefer not to say|prefer not to answer|rather not say|refused|decline to answer",
        "ar": "أفضل عدم الإجابة|أفضّل عدم الإجابة|رفض الإجابة|أفضل عدم القول",
        "fa": "ترجیح می‌دهم پاسخ ندهم|ترجیح میدهم پاسخ ندهم|ترجیح می‌دهم جواب ندهم|تمایلی به پاسخ ندارم",
    },
}
#: Default numeric missing-value codes; a sentinel only counts when it lies outside the scale.
DEFAULT_SENTINELS: tuple[int, ...] = (-99, -98, -97, -9, -8, 98, 99, 999)
# Words that mark the "somewhat" step of a 7-point scale; on a 5-point scale a qualified and an
# unqualified label with the same score in one column reveal a 7-point scale.
