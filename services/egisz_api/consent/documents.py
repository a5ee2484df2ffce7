"""The consent texts the patient reads, one per published version.

Publishing a new version (docs/consent.md): add a :class:`ConsentText` with a new ``version`` to
``TEXTS`` (never edit a published one: a stored Consent names the version it accepted), then set
``CURRENT_VERSION`` to it (or ``EGISZ_CONSENT_VERSION`` for one deployment). Every patient whose
given consent names an older version is asked again on their next cabinet page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    version: str
    #: the day this version was published (ISO date)
    published: str
    title: dict[str, str]
    #: paragraphs per locale
    body: dict[str, tuple[str, ...]]


_V2026_1 = ConsentText(
    version="2026-1",
    published="2026-01-15",
    title={
        "ru": "Согласие на обработку персональных данных",
        "en": "Consent to the processing of personal data",
    },
    body={
        "ru": (
            "Я даю согласие оператору ЕГИСЗ на обработку моих персональных данных, включая сведения о "
            "состоянии здоровья, в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ "
            "«О персональных данных» и Федеральным законом от 21.11.2011 № 323-ФЗ.",
            "Цель обработки: ведение моей электронной медицинской карты, предоставление её сведений "
            "медицинским организациям и подключённым к ЕГИСЗ медицинским информационным системам, "
            "которые оказывают мне медицинскую помощь, и предоставление этих сведений мне в личном "
            "кабинете.",
            "Действия с данными: сбор, запись, систематизация, хранение, уточнение, использование, "
            "передача (предоставление, доступ), обезличивание, блокирование, удаление.",
            "Согласие действует до его отзыва. Я могу отозвать его в любой момент в личном кабинете. "
            "Пока согласие отозвано, медицинские организации и информационные системы не получают "
            "доступ к моим записям через ЕГИСЗ; я сам(а) по-прежнему вижу свои записи и могу дать "
            "согласие снова.",
            "Каждое обращение к моим записям, разрешённое или отклонённое, записывается, и я могу "
            "посмотреть эти записи в разделе «Кто смотрел мою карту».",
        ),
        "en": (
            "I consent to the EGISZ operator processing my personal data, including data about my "
            "health, under Federal Law No. 152-FZ of 27 July 2006 “On personal data” and Federal Law "
            "No. 323-FZ of 21 November 2011.",
            "Purpose: keeping my electronic health record, making it available to the medical "
            "organisations and the medical information systems connected to EGISZ that treat me, and "
            "showing it to me in my account.",
            "Actions on the data: collection, recording, organisation, storage, correction, use, "
            "transfer (provision, access), de-identification, blocking, erasure.",
            "This consent lasts until I withdraw it. I can withdraw it at any time in my account. While "
            "it is withdrawn, medical organisations and information systems get no access to my "
            "records through EGISZ; I still see my own records and can give consent again.",
            "Every access to my records, allowed or refused, is recorded, and I can read those records "
            "under “Who looked at my record”.",
        ),
    },
)

#: every published version, oldest first (a Consent names one of these in ``policy.uri``)
TEXTS: dict[str, ConsentText] = {_V2026_1.version: _V2026_1}
#: the version patients are asked to accept now (overridable by the ``consent_version`` setting)
CURRENT_VERSION = "2026-1"
#: ``Consent.policy.uri`` of a version: ``urn:egisz:consent:pd:<version>``
POLICY_PREFIX = "urn:egisz:consent:pd:"


def policy_uri(version: str) -> str:
    return POLICY_PREFIX + version


def version_of(uri: str | None) -> str | None:
    """The text version a ``policy.uri`` names; None for a policy that is not one of ours."""
    if uri is None or not uri.startswith(POLICY_PREFIX):
        return None
    return uri.removeprefix(POLICY_PREFIX) or None


def text_of(version: str) -> ConsentText:
    return TEXTS[version]
