"""Keyword tables behind :meth:`cxanalytics.ingest.codebook.Codebook.infer` (English, Arabic, Persian).

Everything here is data: adding a language, a platform's metadata column or a wording is
adding a row.  Keywords are compared with question texts after :func:`cxanalytics.ingest.text.
normalize_text` (letter variants unified, diacritics and ZWNJ removed, case folded) and after
every character that is not a letter or digit has become a space.  A keyword matches when the
text contains it at the start of a word (``"satisf"`` matches "satisfied"); a keyword ending
in ``=`` must match whole words only (``"not="`` does not match "notice").
"""

from __future__ import annotations

#: Column names (or Qualtrics ImportIds) of platform metadata, squashed to lower-case letters
#: and digits -> (kind, item).
METADATA_NAMES: dict[str, tuple[str, str]] = {
    "startdate": ("timestamp", "started_at"),
    "enddate": ("timestamp", "submitted_at"),
    "recordeddate": ("timestamp", "recorded_at"),
    "timestamp": ("timestamp", "submitted_at"),
    "submittedat": ("timestamp", "submitted_at"),
    "status": ("status", "status"),
    "responsetype": ("status", "status"),
    "progress": ("progress", "progress"),
    "finished": ("finished", "finished"),
    "durationinseconds": ("duration", "duration_s"),
    "duration": ("duration", "duration_s"),
    "responseid": ("id", "response_id"),
    "recordid": ("id", "response_id"),
    "respondentid": ("id", "response_id"),
    "ipaddress": ("pii", "ip_address"),
    "recipientlastname": ("pii", "last_name"),
    "recipientfirstname": ("pii", "first_name"),
    "recipientemail": ("pii", "email"),
    "lastname": ("pii", "last_name"),
    "firstname": ("pii", "first_name"),
    "emailaddress": ("pii", "email"),
    "email": ("pii", "email"),
    "externalreference": ("customer_id", "customer_id"),
    "externaldatareference": ("customer_id", "customer_id"),
    "locationlatitude": ("pii", "latitude"),
    "locationlongitude": ("pii", "longitude"),
    "latitude": ("pii", "latitude"),
    "longitude": ("pii", "longitude"),
    "distributionchannel": ("metadata", "distribution_channel"),
    "userlanguage": ("metadata", "user_language"),
    "collectorid": ("metadata", "collector_id"),
    "solutionrevision": ("metadata", "solution_revision"),
    "customdata1": ("metadata", "custom_data_1"),
    "name": ("pii", "name"),
    "responseset": ("metadata", "response_set"),
    "locationaccuracy": ("metadata", "location_accuracy"),
}

#: Column names (headers) that mark the NPS item even when the question text does not.
NPS_HEADER = "nps=|net promoter"

#: Question-text keywords -> (kind, item), tried in this order; the first row that matches wins.
#: Scored kinds are kept only when the column's answers fit a scale (see ``_infer``).
ROLE_KEYWORDS: tuple[tuple[str, str, str, str], ...] = (
    # kind, item, language, keywords ("|"-separated)
    ("pii", "email", "en", "e-mail|email|e mail|mail address"),
    ("pii", "email", "ar", "البريد الإلكتروني|البريد الالكتروني|الايميل|الإيميل"),
    ("pii", "email", "fa", "ایمیل|پست الکترونیک|رایانامه"),
    ("pii", "phone", "en", "phone number|mobile number|telephone number|contact number"),
    ("pii", "phone", "ar", "رقم الهاتف|رقم الجوال|رقم الموبايل"),
    ("pii", "phone", "fa", "شماره تلفن|شماره موبایل|شماره همراه|تلفن همراه"),
    ("pii", "name", "en", "your name|full name"),
    ("pii", "name", "ar", "الاسم الكامل|اسمك"),
    ("pii", "name", "fa", "نام و نام خانوادگی|نام شما"),
    ("customer_id", "customer_id", "en", "customer id|customer number|account number|customer no|client id"),
    ("customer_id", "customer_id", "ar", "رقم العميل|رقم الحساب|معرف العميل"),
    ("customer_id", "customer_id", "fa", "شماره مشتری|کد مشتری|شماره حساب|شناسه مشتری"),
    ("timestamp", "submitted_at", "en", "timestamp|submitted at|submission date"),
    ("timestamp", "submitted_at", "ar", "الطابع الزمني|تاريخ الإرسال|وقت الإرسال"),
    ("timestamp", "submitted_at", "fa", "برچسب زمانی|مهر زمانی|زمان‌نما|زمان ارسال|تاریخ ارسال"),
    ("nps", "nps", "en", "recommend|nps=|net promoter"),
    ("nps", "nps", "ar", "توصي|ترشح|ترشيح|تنصح"),
    ("nps", "nps", "fa", "توصیه|پیشنهاد کنید|معرفی کنید"),
    ("servqual_expectation", "e", "en", "expectation|excellent company|an excellent"),
    ("servqual_expectation", "e", "ar", "التوقعات|توقعاتك"),
    ("servqual_expectation", "e", "fa", "انتظارات|انتظار شما"),
    ("servqual_perception", "p", "en", "perception|now think of us|think of our"),
    ("servqual_perception", "p", "ar", "الانطباعات|انطباعك|تصوراتك|في شركتنا"),
    ("servqual_perception", "p", "fa", "ادراکات|ادراک|شرکت ما را در نظر"),
    ("ces", "ces", "en", "easy|easier|effort"),
    ("ces", "ces", "ar", "سهلت|سهولة|سهل|الجهد"),
    ("ces", "ces", "fa", "آسان|راحت بود|تلاش"),
    ("csat", "csat", "en", "satisf"),
    ("csat", "csat", "ar", "رضاك|راض|رضا|الرضا"),
    ("csat", "csat", "fa", "راضی|رضایت"),
    ("pillar", "pillar", "en", "rate us on|how would you rate|rate each|each of the following"),
    ("pillar", "pillar", "ar", "تقيمنا|تقييمك|كل مما يلي"),
    ("pillar", "pillar", "fa", "امتیازی|امتیاز|هر یک از موارد"),
    ("segment", "channel", "en", "channel"),
    ("segment", "channel", "ar", "القناة|قناة"),
    ("segment", "channel", "fa", "کانال|روش تماس"),
    ("segment", "branch", "en", "branch|which store|which location"),
    ("segment", "branch", "ar", "الفرع|فرع"),
    ("segment", "branch", "fa", "شعبه"),
    ("multi", "topic", "en", "select all|all that apply|check all"),
    ("multi", "topic", "ar", "كل ما ينطبق|اختر كل|اختر جميع"),
    ("multi", "topic", "fa", "همه موارد|همه گزینه"),
    ("text", "comment", "en", "anything else|comment|tell us|suggestion|why not|why"),
    ("text", "comment", "ar", "أي شيء آخر|تعليق|ملاحظات|اقتراح|لماذا"),
    ("text", "comment", "fa", "نکته دیگری|توضیحات|پیشنهاد|چرا"),
)

#: SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988) recognised from item wording;
#: the dimension with the most matching keywords wins (ties: the order below).
SERVQUAL_DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("tangibles", "en", "equipment|appealing|appearance|facilities|modern|neat|tangible|materials"),
    ("tangibles", "ar", "معدات|المظهر|جذابة|مرافق|حديثة|الملموسية"),
    ("tangibles", "fa", "تجهیزات|جذاب|ظاهر|امکانات|مدرن"),
    ("reliability", "en", "promise|right the first time|dependable|error free|accurate|reliab"),
    ("reliability", "ar", "تفي|تعد به|من المرة الأولى|يعتمد عليها|الاعتمادية"),
    ("reliability", "fa", "وعده|بار اول|قابل اعتماد|بدون خطا"),
    ("responsiveness", "en", "prompt|exactly when|willing to help|too busy|responsive|quick"),
    ("responsiveness", "ar", "متى ستقدم|بسرعة|مشغولون|الاستجابة|الرد على"),
    ("responsiveness", "fa", "چه زمانی|سریع|شلوغ|پاسخگو"),
    ("assurance", "en", "safe|confidence|courteous|knowledge|trust|assur"),
    ("assurance", "ar", "بالأمان|الأمان|المعرفة|الثقة|مهذب"),
    ("assurance", "fa", "امنیت|دانش|اطمینان|مؤدب"),
    ("empathy", "en", "individual attention|personal attention|best interest|specific needs|empath|convenient"),
    ("empathy", "ar", "اهتماما شخصيا|اهتمام|مصلحتك|احتياجاتك|التعاطف"),
    ("empathy", "fa", "توجه فردی|خیر و صلاح|نیازهای|همدلی"),
)

#: Negative wording: an item matching one of these is reverse-coded (min + max - x).  Words
#: in parentheses are not read ("GitHub tools (not our customized tooling)" is not negative),
#: and "fail" counts only as a verb with "to" ("fails to keep promises"), not as the noun of
#: a topic ("Debugging test failures", "diagnose my own PR failures").
NEGATIVE_WORDING: tuple[tuple[str, str], ...] = (
    ("en", "not=|never=|too busy|unwilling|don t=|doesn t=|do not=|does not=|cannot=|can t=|fail to=|fails to=|"
           "failed to=|failing to=|rarely="),
    ("ar", "لا=|ليس=|ليست=|لن=|لم=|مشغولون|غير مستعد|نادرا="),
    ("fa", "نمی|نیست=|ندارد=|ندارند=|هرگز|شلوغ|به ندرت"),
)

#: Experience pillars recognised from grid-row labels -> item suffix.
PILLARS: tuple[tuple[str, str, str], ...] = (
    ("personalisation", "en", "personalisation|personalization|personal touch"),
    ("personalisation", "ar", "التخصيص|تخصيص"),
    ("personalisation", "fa", "شخصی‌سازی|شخصی سازی"),
    ("integrity", "en", "integrity|honesty|trustworth"),
    ("integrity", "ar", "النزاهة|نزاهة|الأمانة"),
    ("integrity", "fa", "صداقت|درستکاری"),
    ("resolution", "en", "resolution|resolv"),
    ("resolution", "ar", "حل المشكلة|حل المشكلات"),
    ("resolution", "fa", "حل مشکل|رفع مشکل"),
    ("expectations", "en", "expectation"),
    ("expectations", "ar", "تلبية التوقعات|التوقعات"),
    ("expectations", "fa", "برآوردن انتظارات|انتظارات"),
    ("time_effort", "en", "time and effort|effort|time"),
    ("time_effort", "ar", "الوقت والجهد|الجهد"),
    ("time_effort", "fa", "زمان و تلاش|تلاش"),
    ("empathy", "en", "empathy"),
    ("empathy", "ar", "التعاطف"),
    ("empathy", "fa", "همدلی"),
)

#: Checkbox choices -> item suffix (``topic_<suffix>``); unknown choices get a slug or index.
TOPICS: tuple[tuple[str, str, str], ...] = (
    ("billing", "en", "billing|bill|invoice|payment"),
    ("billing", "ar", "الفواتير|الفاتورة|فاتورة|الدفع"),
    ("billing", "fa", "صورتحساب|قبض|پرداخت"),
    ("network", "en", "network|coverage|signal"),
    ("network", "ar", "الشبكة|تغطية"),
    ("network", "fa", "شبکه|پوشش"),
    ("device", "en", "device|handset"),
    ("device", "ar", "الجهاز|جهاز"),
    ("device", "fa", "دستگاه|گوشی"),
    ("plan_change", "en", "plan|package|tariff"),
    ("plan_change", "ar", "الباقة|باقة"),
    ("plan_change", "fa", "طرح|بسته"),
    ("other", "en", "other"),
    ("other", "ar", "أخرى|اخرى|غير ذلك"),
    ("other", "fa", "سایر|دیگر"),
)

#: Words that qualify the middle steps of a 7-point agreement scale.
QUALIFIERS = ("somewhat", "slightly", "moderately", "إلى حد ما", "تا حدودی", "تا حدی", "کمی", "نسبتاً")

