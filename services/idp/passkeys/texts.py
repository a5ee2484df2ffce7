"""The passkey pages' texts (Russian default, English complete); merged into the idp's page texts
by ``login.i18n``."""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    "challenge_used": (
        "Запрос уже использован или устарел. Попробуйте ещё раз.",
        "The request was used already or is stale. Try again.",
    ),
    "challenge_expired": (
        "Время на подтверждение истекло. Попробуйте ещё раз.",
        "The time to confirm ran out. Try again.",
    ),
    "malformed": (
        "Браузер прислал неполный ответ. Попробуйте ещё раз.",
        "The browser sent an incomplete answer. Try again.",
    ),
    "wrong_type": ("Ответ ключа не подходит к этому действию.", "The key’s answer does not fit this action."),
    "wrong_challenge": ("Ответ ключа относится к другому запросу.", "The key answered another request."),
    "wrong_origin": ("Ответ получен не с этого сайта.", "The answer did not come from this site."),
    "wrong_rp_id": ("Ключ создан для другого сайта.", "The key was made for another site."),
    "not_verified": (
        "Ключ не проверил вас (отпечаток, лицо или PIN-код устройства).",
        "The key did not verify you (fingerprint, face or device PIN).",
    ),
    "bad_signature": ("Подпись ключа неверна.", "The key’s signature is wrong."),
    "attestation_refused": ("Этот тип ключа не принимается.", "This kind of key is not accepted."),
    "already_registered": ("Этот ключ уже добавлен.", "This key is added already."),
    "unknown_credential": ("Этот ключ доступа нам не известен.", "This passkey is not known to us."),
    "foreign_credential": (
        "Этот ключ доступа принадлежит другой учётной записи.",
        "This passkey belongs to another account.",
    ),
    "passwordless_off": (
        "Для этой учётной записи вход без пароля выключен. Войдите с паролем.",
        "Signing in without a password is off for this account. Sign in with your password.",
    ),
    "cloned": (
        "Вход отклонён: ключ доступа похож на копию. Мы сообщили владельцу.",
        "Sign-in refused: the passkey looks like a copy. We told its owner.",
    ),
    "fresh_login_required": (
        "Чтобы добавить ключ доступа, войдите заново.",
        "To add a passkey, sign in again.",
    ),
    "not_found": ("Ключ доступа не найден.", "Passkey not found."),
    "bad_name": ("Введите название до 64 символов.", "Enter a name of up to 64 characters."),
    "last_way_in": (
        "Это ваш единственный способ войти — его нельзя удалить.",
        "This is your only way to sign in; it cannot be removed.",
    ),
    "no_passkeys": ("Сначала добавьте ключ доступа.", "Add a passkey first."),
}

PASSKEY_MESSAGES: dict[str, dict[str, str]] = {
    **{f"passkey_err_{key}": {"ru": ru, "en": en} for key, (ru, en) in REASONS.items()},
    "passkey_link": {
        "ru": "Войти с ключом доступа / биометрией",
        "en": "Sign in with a passkey / biometrics",
    },
    "passkey_title": {"ru": "Вход с ключом доступа", "en": "Sign in with a passkey"},
    "passkey_second_title": {
        "ru": "Подтверждение входа ключом доступа",
        "en": "Confirm the sign-in with a passkey",
    },
    "passkey_intro": {
        "ru": "Подтвердите вход отпечатком пальца, лицом или PIN-кодом устройства, "
        "на котором сохранён ключ доступа.",
        "en": "Confirm the sign-in with your fingerprint, face or the PIN of the device "
        "that keeps your passkey.",
    },
    "passkey_button": {"ru": "Войти с ключом доступа", "en": "Sign in with a passkey"},
    "passkey_needs_js": {
        "ru": "Ключи доступа работают в браузере с включённым JavaScript. "
        "Остальные способы входа доступны и без него.",
        "en": "Passkeys need a browser with JavaScript on. The other ways to sign in work without it.",
    },
    "passkey_unsupported": {
        "ru": "Этот браузер не поддерживает ключи доступа.",
        "en": "This browser does not support passkeys.",
    },
    "passkey_cancelled": {
        "ru": "Действие отменено или время истекло. Попробуйте ещё раз.",
        "en": "Cancelled or timed out. Try again.",
    },
    "passkey_password_link": {"ru": "Войти с паролем", "en": "Sign in with a password"},
    "passkey_code_link": {"ru": "Ввести код", "en": "Enter a code"},
    "nav_passkeys": {"ru": "Ключи доступа", "en": "Passkeys"},
    "passkeys_intro": {
        "ru": "Ключ доступа — вход по отпечатку пальца, лицу или PIN-коду вашего устройства "
        "вместо кода из СМС.",
        "en": "A passkey lets you sign in with your fingerprint, face or device PIN instead of an SMS code.",
    },
    "passkeys_none": {"ru": "Ключей доступа пока нет.", "en": "No passkeys yet."},
    "passkey_name_label": {"ru": "Название", "en": "Name"},
    "passkey_name_hint": {"ru": "Например, «Телефон» или «Ноутбук»", "en": "For example “Phone” or “Laptop”"},
    "passkey_add": {"ru": "Добавить ключ доступа", "en": "Add a passkey"},
    "passkey_rename": {"ru": "Переименовать", "en": "Rename"},
    "passkey_remove": {"ru": "Удалить", "en": "Remove"},
    "passkey_synced": {"ru": "синхронизируемый", "en": "synced"},
    "passkey_device_bound": {"ru": "на одном устройстве", "en": "on one device"},
    "passkey_created": {"ru": "Добавлен", "en": "Added"},
    "passkey_last_used": {"ru": "Последний вход", "en": "Last used"},
    "passkey_never": {"ru": "не использовался", "en": "never"},
    "passkey_fresh_hint": {
        "ru": "Чтобы добавить ключ, нужен недавний вход.",
        "en": "Adding a key needs a recent sign-in.",
    },
    "passkey_relogin": {"ru": "Войти заново", "en": "Sign in again"},
    "passkey_passwordless_label": {
        "ru": "Входить без пароля, только ключом доступа",
        "en": "Sign in without a password, with a passkey alone",
    },
    "passkey_passwordless_save": {"ru": "Сохранить", "en": "Save"},
    "passkey_added": {"ru": "Ключ доступа добавлен.", "en": "Passkey added."},
    "passkey_renamed": {"ru": "Ключ доступа переименован.", "en": "Passkey renamed."},
    "passkey_removed": {"ru": "Ключ доступа удалён.", "en": "Passkey removed."},
    "passkey_passwordless_saved": {"ru": "Настройка входа сохранена.", "en": "Sign-in setting saved."},
    "methods_title": {"ru": "Способы входа", "en": "Ways to sign in"},
    "methods_kind": {"ru": "Способ", "en": "Method"},
    "methods_last_used": {"ru": "Последнее использование", "en": "Last used"},
    "methods_never": {"ru": "—", "en": "—"},
    "methods_actions": {"ru": "Действия", "en": "Actions"},
    "methods_last_way": {
        "ru": "Это единственный способ войти — его нельзя удалить.",
        "en": "This is your only way to sign in; it cannot be removed.",
    },
    "method_password": {"ru": "Пароль", "en": "Password"},
    "method_totp": {"ru": "Приложение-аутентификатор", "en": "Authenticator app"},
    "method_passkey": {"ru": "Ключ доступа «{name}»", "en": "Passkey “{name}”"},
    "method_certificate": {"ru": "Электронная подпись «{name}»", "en": "Electronic signature “{name}”"},
    "method_app": {"ru": "Приложение «Госуслуги» «{name}»", "en": "Gosuslugi app “{name}”"},
    "method_bank": {"ru": "Вход через банк «{name}»", "en": "Sign-in through the bank “{name}”"},
    "bank_link_err_not_found": {"ru": "Такой связи с банком нет.", "en": "There is no such bank link."},
    "bank_link_err_last_way_in": {
        "ru": "Это последний способ входа: сначала добавьте другой.",
        "en": "This is your last way to sign in: add another one first.",
    },
    "bank_unlinked": {"ru": "Связь с банком удалена.", "en": "The bank link was removed."},
}

PASSKEY_EVENTS: dict[str, dict[str, str]] = {
    "passkey_registered": {"ru": "Добавлен ключ доступа", "en": "Passkey added"},
    "passkey_refused": {"ru": "Ключ доступа не добавлен", "en": "Passkey not added"},
    "passkey_renamed": {"ru": "Ключ доступа переименован", "en": "Passkey renamed"},
    "passkey_removed": {"ru": "Ключ доступа удалён", "en": "Passkey removed"},
    "passkey_clone_suspected": {"ru": "Подозрение на копию ключа доступа", "en": "Passkey copy suspected"},
}
