"""Roles of platform metadata columns: identifiers, timestamps, markers and personal data (internal).

Every platform writes a few fixed columns besides the answers.  The reader names each one's
``role`` in :attr:`SurveyExport.questions`; the role is the item name it takes in the
codebook, and :data:`ROLE_KINDS` gives its codebook kind.  Personal data (IP address,
e-mail, names, phone, postal address, location, user names, device and network ids) has
kind ``pii``, which cleaning replaces by keyed pseudonyms, so it never reaches cleaned
output as written.  Tables are keyed by the column header squashed to lower-case letters
and digits (``"Start Date (UTC)"`` -> ``startdateutc``).
"""

from __future__ import annotations

from ._common import squash

#: Codebook kind of each role that is not plain ``metadata``.
ROLE_KINDS: dict[str, str] = {
    "response_id": "id",
    "started_at": "timestamp", "submitted_at": "timestamp", "recorded_at": "timestamp",
    "modified_at": "timestamp",
    "status": "status", "finished": "finished", "progress": "progress", "duration_s": "duration",
    "customer_id": "customer_id",
    **dict.fromkeys((
        "ip_address", "email", "first_name", "last_name", "name", "phone", "address", "city",
        "postal_code", "latitude", "longitude", "location", "username", "network_id", "device_id",
        "access_token", "company", "contact_other",
    ), "pii"),
}

_QUALTRICS = {
    "startdate": "started_at", "enddate": "submitted_at", "recordeddate": "recorded_at",
    "status": "status", "progress": "progress", "durationinseconds": "duration_s",
    "duration": "duration_s", "finished": "finished", "responseid": "response_id",
    "recordid": "response_id", "ipaddress": "ip_address", "recipientlastname": "last_name",
    "recipientfirstname": "first_name", "recipientemail": "email",
    "externalreference": "customer_id", "externaldatareference": "customer_id",
    "locationlatitude": "latitude", "locationlongitude": "longitude",
    "locationaccuracy": "location_accuracy", "distributionchannel": "distribution_channel",
    "userlanguage": "user_language", "responseset": "response_set", "responsesetid": "response_set",
    "name": "name", "emailaddress": "email", "qrecaptchascore": "recaptcha_score",
    "qrelevantidduplicate": "relevant_id_duplicate", "qrelevantidduplicatescore": "relevant_id_duplicate_score",
    "qrelevantidfraudscore": "relevant_id_fraud_score", "qrelevantidlaststartdate": "relevant_id_last_start",
    "qtotalduration": "total_duration", "qlanguage": "q_language",
}
_SURVEYMONKEY = {
    "respondentid": "response_id", "collectorid": "collector_id", "startdate": "started_at",
    "enddate": "submitted_at", "ipaddress": "ip_address", "emailaddress": "email",
    "firstname": "first_name", "lastname": "last_name", "customdata1": "custom_data_1",
    "customdata": "custom_data_1",
}
_GOOGLE = {"emailaddress": "email", "score": "score", "totalscore": "score", "name": "name"}
_MICROSOFT = {
    "id": "response_id", "starttime": "started_at", "completiontime": "submitted_at",
    "lastmodifiedtime": "modified_at", "email": "email", "name": "name", "totalpoints": "score",
    "quizfeedback": "quiz_feedback",
}
_ALCHEMER = {
    "responseid": "response_id", "timestarted": "started_at", "datesubmitted": "submitted_at",
    "status": "status", "contactid": "contact_id", "legacycomments": "legacy_comments",
    "comments": "comments", "language": "language", "referer": "referer",
    "extendedreferer": "referer_extended", "sessionid": "session_id", "useragent": "user_agent",
    "tags": "tags", "ipaddress": "ip_address", "longitude": "longitude", "latitude": "latitude",
    "country": "country", "city": "city", "stateregion": "region", "postal": "postal_code",
    "email": "email", "emailaddress": "email",
}
_TYPEFORM = {
    "token": "response_id", "startdateutc": "started_at", "submitdateutc": "submitted_at",
    "stagedateutc": "staged_at", "networkid": "network_id", "responsetype": "status",
    "tags": "tags", "ending": "ending", "score": "score",
}
_LIMESURVEY = {
    "id": "response_id", "submitdate": "submitted_at", "lastpage": "last_page",
    "startlanguage": "language", "seed": "seed", "startdate": "started_at",
    "datestamp": "recorded_at", "ipaddr": "ip_address", "refurl": "referrer_url",
    "token": "access_token", "firstname": "first_name", "lastname": "last_name",
    "email": "email", "interviewtime": "duration_s",
    # the same columns in an export with full-text (English) headings
    "responseid": "response_id", "datesubmitted": "submitted_at",
    "datestarted": "started_at", "datelastaction": "recorded_at", "ipaddress": "ip_address",
    "referrerurl": "referrer_url", "accesscode": "access_token", "emailaddress": "email",
    "totaltime": "duration_s",
}
#: KoBoToolbox: columns the server adds (their names start with "_"), then the form's
#: metadata questions (``start``, ``end``, ``deviceid``, ``meta/instanceID`` ...).
KOBO_SERVER = {
    "id": "response_id", "uuid": "instance_id", "submissiontime": "recorded_at",
    "validationstatus": "status", "status": "submission_status", "submittedby": "username",
    "version": "form_version", "index": "row_index", "notes": "kobo_notes", "tags": "kobo_tags",
    "geolocation": "location", "attachments": "attachments", "xformid": "form_id",
    "parentindex": "parent_index", "parenttablename": "parent_table",
}
KOBO_FORM = {
    "start": "started_at", "end": "submitted_at", "today": "survey_date", "username": "username",
    "deviceid": "device_id", "imei": "device_id", "subscriberid": "device_id", "simserial": "device_id",
    "phonenumber": "phone", "audit": "audit", "metainstanceid": "instance_id",
    "metainstancename": "instance_name", "metarootuuid": "root_uuid", "metadeprecatedid": "deprecated_id",
}
_TABLES = {
    "qualtrics": _QUALTRICS, "qualtrics_legacy": _QUALTRICS, "surveymonkey": _SURVEYMONKEY,
    "google_forms": _GOOGLE, "microsoft_forms": _MICROSOFT, "alchemer": _ALCHEMER,
    "typeform": _TYPEFORM, "limesurvey": _LIMESURVEY, "kobotoolbox": KOBO_FORM,
}
#: Names any export may use for personal data, whatever the platform.
_ANY_PII = {
    "ipaddress": "ip_address", "ip": "ip_address", "email": "email", "emailaddress": "email",
    "firstname": "first_name", "lastname": "last_name", "fullname": "name", "name": "name",
    "phonenumber": "phone", "telephone": "phone", "address": "address",
    "latitude": "latitude", "longitude": "longitude",
}


def metadata_role(platform: str, *names: object) -> str | None:
    """The role of a platform's fixed column, from its header (or ImportId), or ``None``.

    The first of ``names`` found in the platform's table wins; names any export may use for
    personal data (``Email``, ``IP Address``, ``Phone``, ...) are recognised on every platform.
    """
    table = _TABLES.get(platform, {})
    keys = [squash(n) for n in names if isinstance(n, str) and n]
    for key in keys:
        for k in (key, key.removeprefix("panel").removeprefix("location") or key):
            if k in table:
                return table[k]
    for key in keys:
        if key in _ANY_PII:
            return _ANY_PII[key]
    return None


def role_kind(role: object) -> tuple[str, str] | None:
    """``(codebook kind, item)`` of a ``questions`` role, or ``None`` when there is no role."""
    if not isinstance(role, str) or not role:
        return None
    return ROLE_KINDS.get(role, "metadata"), role


#: SurveyMonkey contact-information sub-labels (and their usual translations) -> role.
CONTACT_LABELS = {
    "name": "name", "fullname": "name", "firstname": "first_name", "lastname": "last_name",
    "company": "company", "address": "address", "address2": "address", "citytown": "city",
    "city": "city", "stateprovince": "region", "zippostalcode": "postal_code",
    "postalcode": "postal_code", "zipcode": "postal_code", "country": "country",
    "emailaddress": "email", "email": "email", "phonenumber": "phone", "phone": "phone",
}


def contact_block(labels: list[str]) -> list[str | None] | None:
    """Roles of a question's sub-columns when they form a contact-information block.

    A block is at least three sub-labels of :data:`CONTACT_LABELS`, one of them a name,
    e-mail, phone or address.  Every column of the block is personal data (``company`` and
    unknown sub-labels included) except ``contact_region`` and ``contact_country``, which
    stay metadata.
    """
    roles = [CONTACT_LABELS.get(squash(lab)) for lab in labels]
    found = [r for r in roles if r]
    if len(found) < 3 or not {"name", "first_name", "last_name", "email", "phone", "address"} & set(found):
        return None
    return [r if r and ROLE_KINDS.get(r) == "pii" else ("contact_" + (r or "other")) for r in roles]
