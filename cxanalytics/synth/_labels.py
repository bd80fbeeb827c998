"""Questionnaire wording and answer labels in English, Arabic and Persian (internal).

The same questionnaire is fielded on three platforms: Qualtrics in English, SurveyMonkey in
Arabic, Google Forms in Persian. Persian strings use the zero-width non-joiner (U+200C)
where Persian orthography needs it.
"""

from __future__ import annotations

ZWNJ = "\u200c"

QUESTIONS = {
    "nps": {
        "en": "How likely are you to recommend us to a friend or colleague?",
        "ar": "ما مدى احتمال أن توصي بنا لصديق أو زميل؟",
        "fa": "چقدر احتمال دارد ما را به دوستان یا همکاران خود توصیه کنید؟",
    },
    "csat": {
        "en": "Overall, how satisfied are you with our service?",
        "ar": "بشكل عام، ما مدى رضاك عن خدمتنا؟",
        "fa": "به طور کلی چقدر از خدمات ما راضی هستید؟",
    },
    "ces": {
        "en": "The company made it easy for me to handle my issue.",
        "ar": "سهّلت الشركة عليّ معالجة مشكلتي.",
        "fa": "شرکت انجام کارم را برایم آسان کرد.",
    },
    "expectation": {
        "en": "Expectations: think of an excellent telecom company. How far do you agree?",
        "ar": "التوقعات: فكّر في شركة اتصالات ممتازة. إلى أي حد توافق؟",
        "fa": "انتظارات: یک شرکت مخابراتی عالی را در نظر بگیرید. چقدر موافقید؟",
    },
    "perception": {
        "en": "Perceptions: now think of us. How far do you agree?",
        "ar": "الانطباعات: فكّر الآن في شركتنا. إلى أي حد توافق؟",
        "fa": "ادراکات: اکنون شرکت ما را در نظر بگیرید. چقدر موافقید؟",
    },
    "pillars": {
        "en": "How would you rate us on each of the following? (0 = very poor, 10 = excellent)",
        "ar": "كيف تقيّمنا في كل مما يلي؟ (0 = ضعيف جداً، 10 = ممتاز)",
        "fa": "به ما در هر یک از موارد زیر چه امتیازی می‌دهید؟ (۰ = خیلی ضعیف، ۱۰ = عالی)",
    },
    "channel": {
        "en": "Which channel did you use most recently to contact us?",
        "ar": "ما القناة التي استخدمتها مؤخراً للتواصل معنا؟",
        "fa": "اخیراً از کدام کانال با ما تماس گرفتید؟",
    },
    "branch": {
        "en": "Which branch do you usually visit?",
        "ar": "ما الفرع الذي تزوره عادةً؟",
        "fa": "معمولاً به کدام شعبه مراجعه می‌کنید؟",
    },
    "topics": {
        "en": "What did you contact us about? (select all that apply)",
        "ar": "بخصوص ماذا تواصلت معنا؟ (اختر كل ما ينطبق)",
        "fa": "درباره چه موضوعی با ما تماس گرفتید؟ (همه موارد مرتبط را انتخاب کنید)",
    },
    "comment": {
        "en": "Is there anything else you would like to tell us?",
        "ar": "هل هناك أي شيء آخر تود إخبارنا به؟",
        "fa": "نکته دیگری هست که بخواهید به ما بگویید؟",
    },
    "customer_number": {"fa": "شماره مشتری"},
    "email": {"fa": "نشانی ایمیل"},
    "timestamp": {"fa": "برچسب زمانی"},
}

SERVQUAL_ITEM_TEXT = {
    "tangibles_1": ("has modern-looking equipment", "لديها معدات حديثة المظهر", "تجهیزات مدرن دارد"),
    "tangibles_2": ("has visually appealing branches", "فروعها جذابة المظهر", "شعبه‌های جذابی دارد"),
    "reliability_1": (
        "does what it promises by the promised time",
        "تفي بما تعد به في الوقت المحدد",
        "به وعده‌هایش در زمان مقرر عمل می‌کند",
    ),
    "reliability_2": ("gets things right the first time", "تنجز الخدمة بشكل صحيح من المرة الأولى", "کار را بار اول درست انجام می‌دهد"),
    "responsiveness_1": (
        "tells you exactly when services will be performed",
        "تخبرك بدقة متى ستُقدَّم الخدمة",
        "دقیقاً می‌گوید خدمات چه زمانی انجام می‌شود",
    ),
    "responsiveness_2": (
        "has employees who are too busy to respond to requests promptly",
        "موظفوها مشغولون جداً عن الرد على الطلبات بسرعة",
        "کارکنانش سرشان شلوغ‌تر از آن است که سریع پاسخ دهند",
    ),
    "assurance_1": ("makes you feel safe in your transactions", "تشعرك بالأمان في تعاملاتك", "در معاملات به شما احساس امنیت می‌دهد"),
    "assurance_2": (
        "has employees with the knowledge to answer your questions",
        "موظفوها لديهم المعرفة للإجابة عن أسئلتك",
        "کارکنانش دانش پاسخ به پرسش‌های شما را دارند",
    ),
    "empathy_1": ("gives you individual attention", "تمنحك اهتماماً شخصياً", "به شما توجه فردی دارد"),
    "empathy_2": ("has your best interests at heart", "تضع مصلحتك في المقام الأول", "خیر و صلاح شما را در نظر دارد"),
}

PILLAR_TEXT = {
    "personalisation": ("Personalisation", "التخصيص", "شخصی‌سازی"),
    "integrity": ("Integrity", "النزاهة", "صداقت"),
    "expectations": ("Meeting expectations", "تلبية التوقعات", "برآوردن انتظارات"),
    "resolution": ("Resolution", "حل المشكلة", "حل مشکل"),
    "time_effort": ("Time and effort", "الوقت والجهد", "زمان و تلاش"),
    "empathy": ("Empathy", "التعاطف", "همدلی"),
}

LANG_INDEX = {"en": 0, "ar": 1, "fa": 2}

CSAT_LABELS = {
    "en": ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"),
    "ar": ("غير راضٍ على الإطلاق", "غير راضٍ", "محايد", "راضٍ", "راضٍ جدًا"),
    "fa": ("کاملاً ناراضی", "ناراضی", "نه راضی نه ناراضی", "راضی", "کاملاً راضی"),
}
AGREE7_LABELS = {
    "en": (
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ),
    "ar": ("لا أوافق بشدة", "لا أوافق", "لا أوافق إلى حد ما", "محايد", "أوافق إلى حد ما", "أوافق", "أوافق بشدة"),
    "fa": ("کاملاً مخالفم", "مخالفم", "تا حدی مخالفم", "نظری ندارم", "تا حدی موافقم", "موافقم", "کاملاً موافقم"),
}
NPS_END_LABELS = {"en": ("0 - Not at all likely", "10 - Extremely likely")}
SCALE7_END_LABELS = {"en": ("1 - Strongly disagree", "7 - Strongly agree")}

NON_SUBSTANTIVE = {
    "en": ("N/A", "Don't know", "Prefer not to say"),
    "ar": ("لا أعرف", "لا ينطبق"),
    "fa": (f"نمی{ZWNJ}دانم", "نمیدانم", "ترجیح می‌دهم پاسخ ندهم"),
}

CHANNEL_LABELS = {
    "en": ("Phone", "Chat", "In store", "Mobile app"),
    "ar": ("الهاتف", "المحادثة", "الفرع", "التطبيق"),
    "fa": ("تلفن", "گفتگوی آنلاین", "حضوری در شعبه", "اپلیکیشن"),
}
TOPIC_LABELS = {
    "en": ("Billing", "Network coverage", "Device", "Changing my plan", "Other"),
    "ar": ("الفواتير", "تغطية الشبكة", "الجهاز", "تغيير الباقة", "أخرى"),
    "fa": ("صورتحساب", "پوشش شبکه", "دستگاه", "تغییر طرح", "سایر"),
}

#: Free-text comments by sentiment (-1, 0, 1). Some span lines or carry quotes and commas.
COMMENTS = {
    "en": {
        -1: (
            "Waited far too long on the phone.",
            "Nobody fixed my billing problem, I had to call three times.",
            'The agent was polite.\nBut the issue is still open and the "ticket" was closed anyway.',
            "Coverage at home is poor; please fix it",
        ),
        0: ("OK overall.", "Service was fine, the app could be faster.", "Nothing special."),
        1: ("Very helpful staff, thank you!", "Quick and friendly, problem solved.", "Best branch in town"),
    },
    "ar": {
        -1: ("انتظرت طويلاً على الهاتف.", "لم يتم حل مشكلة الفاتورة، اتصلت ثلاث مرات", "الموظف كان مهذباً\nلكن المشكلة ما زالت قائمة"),
        0: ("الخدمة مقبولة.", "لا بأس، التطبيق بطيء قليلاً"),
        1: ("موظفون متعاونون جداً، شكراً!", "خدمة سريعة وممتازة"),
    },
    "fa": {
        -1: ("خیلی منتظر ماندم.", "مشکل صورتحسابم حل نشد، سه بار تماس گرفتم", "کارشناس مؤدب بود\nاما مشکل هنوز باقی است"),
        0: ("در کل خوب بود.", "بد نبود، اپلیکیشن کمی کند است"),
        1: ("کارکنان بسیار مؤدب و کمک‌کننده بودند.", "سریع و عالی، ممنون"),
    },
}
#: Comments that leak personal data (for the cleaning's pseudonymisation).
PII_COMMENTS = {
    "en": ("Please call me back on +971 50 123 4567", "Email me at {email} about the refund"),
    "ar": ("يرجى الاتصال بي على 0501234567", "راسلوني على {email}"),
    "fa": ("لطفاً با شماره 09121234567 تماس بگیرید", "به {email} ایمیل بزنید"),
}

FIRST_NAMES = ("Ahmed", "Fatima", "Omar", "Sara", "Reza", "Maryam", "John", "Emily", "Yousef", "Layla", "Ali", "Noor")
LAST_NAMES = ("Al-Harbi", "Haddad", "Karimi", "Rahimi", "Smith", "Khan", "Nasser", "Hosseini", "Saleh", "Brown")
