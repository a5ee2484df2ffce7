"""The bank login's page texts, Russian and English (merged into ``idp.login.i18n.MESSAGES``)."""

from __future__ import annotations

BANK_MESSAGES: dict[str, dict[str, str]] = {
    "bank_link": {"ru": "Войти через банк", "en": "Sign in with your bank"},
    "bank_title": {"ru": "Вход через банк", "en": "Sign in with your bank"},
    "bank_intro": {
        "ru": "Выберите банк, в котором у вас есть счёт. Банк подтвердит вашу личность и вернёт вас сюда.",
        "en": "Choose a bank where you have an account. The bank confirms who you are and sends you "
        "back here.",
    },
    "bank_button": {"ru": "Войти через {bank}", "en": "Sign in with {bank}"},
    "bank_none": {
        "ru": "Вход через банк сейчас недоступен.",
        "en": "Signing in with a bank is not available now.",
    },
    "bank_back": {"ru": "Войти по паролю", "en": "Sign in with a password"},
    "bank_phone_title": {"ru": "Подтвердите учётную запись", "en": "Confirm your account"},
    "bank_phone_intro": {
        "ru": "Банк «{bank}» подтвердил телефон {phone}. Этот телефон указан в учётной записи. Чтобы "
        "связать её с банком и входить через него, введите пароль этой учётной записи.",
        "en": "{bank} confirmed the phone {phone}. An account uses this phone. To link it to the "
        "bank and sign in with it from now on, enter that account's password.",
    },
    "bank_phone_button": {"ru": "Подтвердить и войти", "en": "Confirm and sign in"},
    "bank_register_title": {"ru": "Регистрация с данными банка", "en": "Register with your bank's details"},
    "bank_register_intro": {
        "ru": "Банк «{bank}» передал ваши данные; проверьте их и заполните остальное. Поля, которые "
        "подтвердил банк, изменить нельзя.",
        "en": "{bank} sent your details; check them and fill in the rest. The fields the bank "
        "confirmed cannot be changed.",
    },
    "bank_register_locked": {"ru": "Подтверждено банком", "en": "Confirmed by the bank"},
    "bank_err_unknown_bank": {"ru": "Такого банка нет в списке.", "en": "There is no such bank."},
    "bank_err_bank_unavailable": {
        "ru": "Банк сейчас не отвечает. Попробуйте позже или войдите другим способом.",
        "en": "The bank does not answer now. Try again later or sign in another way.",
    },
    "bank_err_bank_denied": {
        "ru": "Вход в банке отменён.",
        "en": "The sign-in at the bank was cancelled.",
    },
    "bank_err_bank_error": {
        "ru": "Банк вернул ошибку. Попробуйте ещё раз или войдите другим способом.",
        "en": "The bank returned an error. Try again or sign in another way.",
    },
    "bank_err_state_mismatch": {
        "ru": "Ответ банка не относится к этому входу или уже использован. Начните вход заново.",
        "en": "The bank's answer does not belong to this sign-in or was already used. Start again.",
    },
    "bank_err_nonce_mismatch": {
        "ru": "Ответ банка не относится к этому входу. Начните вход заново.",
        "en": "The bank's answer does not belong to this sign-in. Start again.",
    },
    "bank_err_issuer_mismatch": {
        "ru": "Ответ пришёл не от того банка. Начните вход заново.",
        "en": "The answer came from another bank. Start again.",
    },
    "bank_err_id_token_invalid": {
        "ru": "Не удалось проверить подпись банка под вашими данными. Войдите другим способом.",
        "en": "The bank's signature over your details could not be verified. Sign in another way.",
    },
    "bank_err_linked_elsewhere": {
        "ru": "Эта учётная запись уже связана с другим клиентом этого банка. Войдите по паролю.",
        "en": "This account is already linked to another customer of this bank. Sign in with a password.",
    },
    "bank_snils_unverified": {
        "ru": "Банк не подтвердил ваш СНИЛС, поэтому по нему учётную запись не найти.",
        "en": "The bank did not confirm your SNILS, so no account is found by it.",
    },
    "bank_wrong_password": {"ru": "Неверный пароль", "en": "Wrong password"},
}
