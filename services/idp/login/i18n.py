"""Page texts in Russian (default) and English."""

from __future__ import annotations

from idp.app_approval.texts import APP_EVENTS, APP_MESSAGES
from idp.brokering import texts as bank_texts
from idp.esia import scopes as esia_scopes
from idp.passkeys.texts import PASSKEY_EVENTS, PASSKEY_MESSAGES
from idp.smart import texts as smart_texts

MESSAGES: dict[str, dict[str, str]] = {
    "title_login": {"ru": "Вход", "en": "Sign in"},
    "login_intro": {
        "ru": "Войдите, чтобы продолжить в «{client}»",
        "en": "Sign in to continue to “{client}”",
    },
    "login_label": {"ru": "Телефон, почта или СНИЛС", "en": "Phone, e-mail or SNILS"},
    "password_label": {"ru": "Пароль", "en": "Password"},
    "login_button": {"ru": "Войти", "en": "Sign in"},
    "wrong_credentials": {"ru": "Неверный логин или пароль", "en": "Wrong login or password"},
    "fields_required": {"ru": "Введите логин и пароль", "en": "Enter your login and password"},
    "login_required": {"ru": "Введите телефон, почту или СНИЛС", "en": "Enter your phone, e-mail or SNILS"},
    "password_required": {"ru": "Введите пароль", "en": "Enter your password"},
    "session_expired": {
        "ru": "Сессия истекла. Войдите снова.",
        "en": "Your session has expired. Sign in again.",
    },
    "title_consent": {"ru": "Доступ к данным", "en": "Access to your data"},
    "consent_intro": {
        "ru": "Приложение «{client}» запрашивает доступ к следующим данным:",
        "en": "The application “{client}” asks for access to:",
    },
    "consent_account": {
        "ru": "Вы вошли как {name} ({contact}).",
        "en": "You are signed in as {name} ({contact}).",
    },
    "not_me": {"ru": "Это не я — войти в другую учётную запись", "en": "Not you? Sign in to another account"},
    "consent_revoke_hint": {
        "ru": "Отозвать доступ можно в любой момент в личном кабинете, в разделе «Доступ приложений».",
        "en": "You can revoke the access at any time in your cabinet, under “App access”.",
    },
    "allow": {"ru": "Разрешить", "en": "Allow"},
    "deny": {"ru": "Отказать", "en": "Deny"},
    "title_logged_out": {"ru": "Вы вышли", "en": "Signed out"},
    "logged_out": {"ru": "Вы вышли из системы.", "en": "You have signed out."},
    "login_again": {"ru": "Войти снова", "en": "Sign in again"},
    "title_error": {"ru": "Ошибка", "en": "Error"},
    "error_id": {"ru": "Код ошибки для службы поддержки", "en": "Error id for support"},
    "interaction_expired": {
        "ru": "Запрос на вход устарел. Вернитесь в приложение и начните вход заново.",
        "en": "This sign-in request has expired. Go back to the application and start again.",
    },
    "csrf_failed": {
        "ru": "Форма устарела. Обновите страницу и попробуйте ещё раз.",
        "en": "The form has expired. Reload the page and try again.",
    },
    "bad_authorization_request": {
        "ru": "Приложение прислало неверный запрос на вход",
        "en": "The application sent an invalid sign-in request",
    },
    "title_bad_request": {
        "ru": "Неверный запрос от приложения",
        "en": "Invalid request from the application",
    },
    "title_unknown_client": {"ru": "Приложение не зарегистрировано", "en": "Unknown application"},
    "unknown_client": {
        "ru": "Приложение, с которого вы пришли, не зарегистрировано в системе, "
        "поэтому войти через него нельзя.",
        "en": "The application you came from is not registered with us, so you cannot sign in through it.",
    },
    "go_back_to_app": {
        "ru": "Вернитесь в приложение и попробуйте ещё раз. Если ошибка повторится, сообщите о ней "
        "в службу поддержки приложения.",
        "en": "Go back to the application and try again. "
        "If it happens again, tell the application's support.",
    },
    "bad_logout_request": {"ru": "Неверный запрос на выход", "en": "Invalid sign-out request"},
    "signed_in_as": {"ru": "Вы вошли как {name}", "en": "Signed in as {name}"},
    "logout": {"ru": "Выйти", "en": "Sign out"},
    "home_title": {"ru": "Единая система идентификации", "en": "Identity provider"},
    "not_signed_in": {"ru": "Вы не вошли.", "en": "You are not signed in."},
    "home_intro": {
        "ru": "Войдите, чтобы управлять своими данными и доступом приложений, или зарегистрируйтесь.",
        "en": "Sign in to manage your data and the access of applications, or register.",
    },
    "language": {"ru": "English", "en": "Русский"},
    # lockout, second factor, recovery
    "locked": {
        "ru": "Учётная запись заблокирована до {until} после нескольких неверных попыток входа. "
        "Разблокировать её сейчас можно, восстановив доступ.",
        "en": "The account is locked until {until} after several wrong attempts. "
        "You can unlock it now by recovering access.",
    },
    "too_many_attempts": {
        "ru": "Слишком много попыток входа с вашего адреса. Попробуйте через {seconds} сек.",
        "en": "Too many sign-in attempts from your address. Try again in {seconds} s.",
    },
    "title_code": {"ru": "Подтверждение входа", "en": "Confirm sign-in"},
    "code_label": {"ru": "Код", "en": "Code"},
    "code_required": {"ru": "Введите код из сообщения", "en": "Enter the code from the message"},
    "confirm": {"ru": "Подтвердить", "en": "Confirm"},
    "code_sent_sms": {"ru": "Мы отправили код в SMS на номер {to}.", "en": "We sent a code by SMS to {to}."},
    "code_sent_email": {"ru": "Мы отправили код на почту {to}.", "en": "We sent a code to {to}."},
    "code_totp": {
        "ru": "Введите код из приложения-аутентификатора или один из резервных кодов.",
        "en": "Enter the code from your authenticator app or one of your recovery codes.",
    },
    "resend_sms": {"ru": "Отправить код ещё раз по SMS", "en": "Send the code again by SMS"},
    "resend_email": {"ru": "Отправить код на почту", "en": "Send the code by e-mail"},
    "use_totp": {"ru": "Ввести код из приложения", "en": "Use the authenticator app"},
    "code_other_ways": {"ru": "Не пришёл код?", "en": "No code?"},
    "totp_not_set_up": {
        "ru": "Код из приложения-аутентификатора можно будет выбрать здесь, когда вы подключите "
        "приложение в личном кабинете (раздел «Безопасность»).",
        "en": "A code from an authenticator app can be chosen here once you set the app up in your "
        "cabinet (the Security section).",
    },
    "cooldown": {
        "ru": "Отправить код ещё раз можно через {seconds} сек.",
        "en": "You can ask for a new code in {seconds} s.",
    },
    # The code page says what happened to the last request for a code and what the person can do
    # next, one state at a time (issue 9: it once said "not sent" and "we sent" together).
    "code_live_sms": {
        "ru": "Код отправлен в SMS на номер {to}. Он действует до {until}.",
        "en": "The code was sent by SMS to {to}. It works until {until}.",
    },
    "code_live_email": {
        "ru": "Код отправлен на почту {to}. Он действует до {until}.",
        "en": "The code was sent to {to}. It works until {until}.",
    },
    "code_earlier_sms": {
        "ru": "Прежний код, отправленный в SMS на номер {to}, действует до {until}.",
        "en": "The earlier code, sent by SMS to {to}, still works until {until}.",
    },
    "code_earlier_email": {
        "ru": "Прежний код, отправленный на почту {to}, действует до {until}.",
        "en": "The earlier code, sent to {to}, still works until {until}.",
    },
    "code_none": {
        "ru": "Действующего кода сейчас нет: запросите новый.",
        "en": "There is no valid code now: ask for a new one.",
    },
    "code_resent": {"ru": "Мы отправили новый код.", "en": "We sent a new code."},
    "code_not_sent_notifier": {
        "ru": "Код не отправлен: служба доставки сообщений не ответила.",
        "en": "The code was not sent: the message service did not answer.",
    },
    "code_not_sent_recipient": {
        "ru": "Код не отправлен: на этот адрес недавно ушло слишком много сообщений.",
        "en": "The code was not sent: too many messages went to this address lately.",
    },
    "code_not_sent_cooldown": {
        "ru": "Новый код не отправлен: код запрашивали меньше {cooldown} сек. назад.",
        "en": "No new code was sent: a code was asked for less than {cooldown} s ago.",
    },
    "code_not_sent_hourly": {
        "ru": "Новый код не отправлен: за последний час отправлено слишком много кодов.",
        "en": "No new code was sent: too many codes were sent in the last hour.",
    },
    "code_retry_now": {
        "ru": "Попробуйте ещё раз или выберите другой способ.",
        "en": "Try again, or choose another way.",
    },
    "code_retry_later": {
        "ru": "Попробуйте позже или выберите другой способ.",
        "en": "Try again later, or choose another way.",
    },
    "code_retry_in": {
        "ru": "Запросить код снова можно через {seconds} сек.",
        "en": "You can ask for a code again in {seconds} s.",
    },
    "code_retry_in_minutes": {
        "ru": "Запросить код снова можно через {minutes} мин.",
        "en": "You can ask for a code again in {minutes} min.",
    },
    "code_invalid": {
        "ru": "Неверный код. Осталось попыток: {left}.",
        "en": "Wrong code. Attempts left: {left}.",
    },
    "code_invalid_plain": {"ru": "Неверный или устаревший код.", "en": "Wrong or expired code."},
    "code_expired": {
        "ru": "Срок действия кода истёк. Запросите новый код.",
        "en": "The code has expired. Ask for a new one.",
    },
    "code_attempts": {
        "ru": "Превышено число попыток ввода кода. Запросите новый код.",
        "en": "Too many wrong codes. Ask for a new one.",
    },
    "code_hourly": {
        "ru": "Слишком много кодов за час. Попробуйте позже или выберите другой способ.",
        "en": "Too many codes this hour. Try later or choose another method.",
    },
    "trust_device": {"ru": "Доверять этому устройству 30 дней", "en": "Trust this device for 30 days"},
    "title_recover": {"ru": "Восстановление доступа", "en": "Recover access"},
    "recover_intro": {
        "ru": "Введите телефон, почту или СНИЛС. Мы отправим код на подтверждённый телефон или почту.",
        "en": "Enter your phone, e-mail or SNILS. We will send a code to your confirmed phone or e-mail.",
    },
    "send_code": {"ru": "Получить код", "en": "Send the code"},
    "back_to_login": {"ru": "Вернуться ко входу", "en": "Back to sign-in"},
    "recover_sent": {
        "ru": "Если такая учётная запись есть, мы отправили код на её подтверждённый телефон или почту.",
        "en": "If such an account exists, we sent a code to its confirmed phone or e-mail.",
    },
    "new_password": {"ru": "Новый пароль", "en": "New password"},
    "repeat_password": {"ru": "Повторите пароль", "en": "Repeat the password"},
    "passwords_differ": {"ru": "Пароли не совпадают.", "en": "The passwords differ."},
    "password_changed": {
        "ru": "Пароль изменён. Все остальные сеансы завершены. Войдите с новым паролем.",
        "en": "The password is changed and every other session has ended. Sign in with the new password.",
    },
    # registration
    "title_register": {"ru": "Регистрация", "en": "Registration"},
    "register_intro": {
        "ru": "Все поля, кроме отмеченных, обязательны. "
        "Данные паспорта и СНИЛС хранятся в зашифрованном виде.",
        "en": "All fields are required unless marked. Passport and SNILS data are stored encrypted.",
    },
    "register_fix_fields": {"ru": "Исправьте отмеченные поля.", "en": "Correct the marked fields."},
    "register_button": {"ru": "Зарегистрироваться", "en": "Register"},
    "title_confirm_phone": {"ru": "Подтвердите телефон", "en": "Confirm your phone"},
    "phone_code_sent": {
        "ru": "Мы отправили код в SMS на номер {to}. Введите его, чтобы подтвердить телефон. "
        "Код действует до {until}.",
        "en": "We sent a code by SMS to {to}. Enter it to confirm your phone. It works until {until}.",
    },
    "phone_code_none": {
        "ru": "Действующего кода сейчас нет: запросите новый код ниже.",
        "en": "There is no valid code now: ask for a new one below.",
    },
    "no_code_heading": {"ru": "Код не пришёл или номер неверный?", "en": "No code, or a wrong number?"},
    "no_code_text": {
        "ru": "Отправьте код ещё раз или укажите другой номер.",
        "en": "Send the code again, or enter another number.",
    },
    "change_or_resend": {
        "ru": "Отправить код ещё раз или изменить номер",
        "en": "Resend the code or change the number",
    },
    "confirm_later": {"ru": "Подтвердить позже", "en": "Confirm later"},
    "have_account": {"ru": "Уже есть учётная запись? Войти", "en": "Already registered? Sign in"},
    "no_account": {"ru": "Нет учётной записи? Зарегистрироваться", "en": "No account? Register"},
    "forgot_password": {"ru": "Забыли пароль?", "en": "Forgot your password?"},
    "optional": {"ru": "необязательно", "en": "optional"},
    "f_last_name": {"ru": "Фамилия", "en": "Last name"},
    "f_first_name": {"ru": "Имя", "en": "First name"},
    "f_middle_name": {"ru": "Отчество", "en": "Middle name"},
    "f_birth_date": {"ru": "Дата рождения", "en": "Birth date"},
    "h_date": {"ru": "Например, 12 04 1985", "en": "For example, 12 04 1985"},
    "f_snils": {"ru": "СНИЛС", "en": "SNILS"},
    "h_snils": {"ru": "11 цифр, например 112-233-445 95", "en": "11 digits, e.g. 112-233-445 95"},
    "f_inn": {"ru": "ИНН", "en": "INN (taxpayer number)"},
    "f_phone": {"ru": "Мобильный телефон", "en": "Mobile phone"},
    "h_phone": {"ru": "+7 или 8 и 10 цифр", "en": "+7 or 8 and 10 digits"},
    "f_email": {"ru": "Электронная почта", "en": "E-mail"},
    "f_passport_series": {"ru": "Серия паспорта", "en": "Passport series"},
    "f_passport_number": {"ru": "Номер паспорта", "en": "Passport number"},
    "f_passport_issue_date": {"ru": "Дата выдачи паспорта", "en": "Passport issue date"},
    "f_passport_issuer": {"ru": "Кем выдан", "en": "Issued by"},
    "f_passport_division_code": {"ru": "Код подразделения", "en": "Division code"},
    "h_division": {"ru": "В формате 123-456", "en": "As 123-456"},
    "f_password": {"ru": "Пароль", "en": "Password"},
    "h_password": {
        "ru": "Не короче 10 символов, не совпадает с логином и не из списка распространённых",
        "en": "At least 10 characters, not your login and not a common password",
    },
    "email_confirmed": {
        "ru": "Адрес электронной почты подтверждён.",
        "en": "Your e-mail address is confirmed.",
    },
    "go_to_cabinet": {"ru": "Перейти в личный кабинет", "en": "Go to your cabinet"},
    "email_link_expired": {
        "ru": "Ссылка устарела. Запросите новую в личном кабинете.",
        "en": "The link has expired. Ask for a new one in your cabinet.",
    },
    "email_link_invalid": {"ru": "Ссылка неверна.", "en": "The link is invalid."},
    "ask_new_link": {"ru": "Запросить новую ссылку", "en": "Ask for a new link"},
    # cabinet
    "nav_data": {"ru": "Мои данные", "en": "My data"},
    "nav_security": {"ru": "Безопасность", "en": "Security"},
    "nav_apps": {"ru": "Доступ приложений", "en": "App access"},
    "nav_signatures": {"ru": "Электронные подписи", "en": "Electronic signatures"},
    "nav_events": {"ru": "Журнал событий", "en": "Event log"},
    "cabinet": {"ru": "Личный кабинет", "en": "Personal cabinet"},
    "full_name": {"ru": "ФИО", "en": "Full name"},
    "birth_date": {"ru": "Дата рождения", "en": "Birth date"},
    "snils": {"ru": "СНИЛС", "en": "SNILS"},
    "passport": {"ru": "Паспорт", "en": "Passport"},
    "inn": {"ru": "ИНН", "en": "INN"},
    "phone": {"ru": "Мобильный телефон", "en": "Mobile phone"},
    "email": {"ru": "Электронная почта", "en": "E-mail"},
    "confirmed": {"ru": "Подтверждён", "en": "Confirmed"},
    "not_confirmed": {"ru": "Не подтверждён", "en": "Not confirmed"},
    "level": {"ru": "Уровень учётной записи", "en": "Account level"},
    "level_registered": {
        "ru": "Зарегистрирована (контакты не подтверждены)",
        "en": "Registered (no contact confirmed)",
    },
    "level_simplified": {"ru": "Упрощённая", "en": "Simplified"},
    "level_standard": {"ru": "Стандартная", "en": "Standard"},
    "level_confirmed": {"ru": "Подтверждённая", "en": "Confirmed"},
    "next_confirm_contact": {
        "ru": "Подтвердите телефон или почту, чтобы получить упрощённую учётную запись.",
        "en": "Confirm your phone or e-mail to get a simplified account.",
    },
    "next_registry_check": {
        "ru": "Укажите СНИЛС и паспорт: после проверки учётная запись станет стандартной.",
        "en": "Enter your SNILS and passport: once checked, the account becomes standard.",
    },
    "next_fix_key_data": {
        "ru": "Проверка СНИЛС и паспорта не прошла. Исправьте данные и отправьте их ещё раз.",
        "en": "The SNILS and passport check failed. Correct the data and submit it again.",
    },
    "next_confirm_identity": {
        "ru": "Подтвердите личность: войдите с квалифицированной электронной подписью (КЭП), выданной на "
        "ваш СНИЛС, или обратитесь в центр обслуживания с паспортом.",
        "en": "Confirm your identity: sign in with a qualified electronic signature issued to your SNILS, "
        "or visit a service centre with your passport.",
    },
    "reason_names_differ": {
        "ru": "ФИО не совпадает с данными паспорта",
        "en": "The name differs from the passport",
    },
    "reason_bad_checksum": {"ru": "Неверная контрольная сумма СНИЛС", "en": "The SNILS checksum is wrong"},
    "reason_not_found": {"ru": "Паспорт не найден в реестре", "en": "The passport is not in the registry"},
    "reason_birth_date_differs": {
        "ru": "Дата рождения не совпадает с данными паспорта",
        "en": "The birth date differs from the passport",
    },
    "reason_unavailable": {
        "ru": "Реестр не ответил: СНИЛС и паспорт ещё не проверены. Попробуйте проверить их ещё раз позже.",
        "en": "The registry did not answer: your SNILS and passport are not checked yet. Try again later.",
    },
    "reason_incomplete": {"ru": "Не указаны СНИЛС или паспорт", "en": "SNILS or passport missing"},
    "sessions": {"ru": "Активные сеансы", "en": "Active sessions"},
    "this_session": {"ru": "этот сеанс", "en": "this session"},
    "end_session": {"ru": "Завершить", "en": "End"},
    "last_activity": {"ru": "Последняя активность", "en": "Last activity"},
    "no_grants": {
        "ru": "Вы не давали доступ приложениям.",
        "en": "You have not given any application access.",
    },
    "revoke": {"ru": "Отозвать доступ", "en": "Revoke access"},
    "granted_at": {"ru": "Разрешено", "en": "Granted"},
    "no_signatures": {
        "ru": "Привязанных сертификатов электронной подписи нет.",
        "en": "No electronic signature certificates are bound.",
    },
    # «Электронные подписи» (issue 11, item 2)
    "sig_about": {
        "ru": (
            "Привяжите сертификат своей электронной подписи (КЭП или УНЭП), чтобы входить с его помощью. "
            "Загружается только сертификат — открытая часть; закрытый ключ остаётся у вас."
        ),
        "en": (
            "Bind the certificate of your electronic signature (qualified or non-qualified) "
            "to sign in with it. "
            "Only the certificate, the public part, is uploaded; the private key stays with you."
        ),
    },
    "sig_bound_heading": {"ru": "Привязанные сертификаты", "en": "Bound certificates"},
    "sig_add_heading": {"ru": "Привязать сертификат", "en": "Bind a certificate"},
    "sig_file": {"ru": "Файл сертификата", "en": "Certificate file"},
    "sig_file_hint": {
        "ru": (
            "Файл .cer, .crt, .pem или .der, не больше {kib} КБ. Не загружайте файл .pfx или "
            ".p12: в нём закрытый ключ."
        ),
        "en": (
            "A .cer, .crt, .pem or .der file of at most {kib} KB. Do not upload a .pfx or .p12 "
            "file: it holds the private key."
        ),
    },
    "sig_pem": {"ru": "Или вставьте текст сертификата", "en": "Or paste the certificate text"},
    "sig_pem_hint": {
        "ru": "Начинается со строки -----BEGIN CERTIFICATE-----.",
        "en": "It starts with the line -----BEGIN CERTIFICATE-----.",
    },
    "sig_bind": {"ru": "Привязать", "en": "Bind"},
    "sig_subject": {"ru": "Владелец", "en": "Subject"},
    "sig_issuer": {"ru": "Издатель", "en": "Issuer"},
    "sig_kind": {"ru": "Вид подписи", "en": "Signature type"},
    "sig_kind_qes": {"ru": "КЭП — квалифицированная", "en": "Qualified (QES)"},
    "sig_kind_ues": {"ru": "УНЭП — неквалифицированная", "en": "Non-qualified"},
    "sig_validity": {"ru": "Срок действия", "en": "Valid"},
    "sig_validity_range": {"ru": "с {start} по {end}", "en": "from {start} to {end}"},
    "sig_validity_until": {"ru": "по {end}", "en": "until {end}"},
    "sig_status": {"ru": "Состояние", "en": "Status"},
    "sig_status_active": {"ru": "действует", "en": "valid"},
    "sig_status_expiring": {"ru": "истекает через {days} дн.", "en": "expires in {days} day{s}"},
    "sig_status_expired": {"ru": "истёк", "en": "expired"},
    "sig_status_revoked": {"ru": "отозван", "en": "revoked"},
    "sig_thumbprint": {"ru": "Отпечаток (SHA-256)", "en": "Thumbprint (SHA-256)"},
    "sig_unbind": {"ru": "Отвязать", "en": "Unbind"},
    "sig_unbind_title": {"ru": "Отвязать сертификат «{name}»?", "en": "Unbind the certificate “{name}”?"},
    "sig_unbind_about": {
        "ru": "Войти с этим сертификатом будет нельзя. Привязать его снова можно в любой момент.",
        "en": (
            "You will no longer be able to sign in with this certificate. You can bind it again at any time."
        ),
    },
    "sig_not_found": {
        "ru": "Такого сертификата нет в вашей учётной записи.",
        "en": "There is no such certificate on your account.",
    },
    "certificate_bound": {"ru": "Сертификат привязан.", "en": "The certificate is bound."},
    "certificate_unbound": {"ru": "Сертификат отвязан.", "en": "The certificate is unbound."},
    "sig_e_empty": {
        "ru": "Выберите файл сертификата или вставьте его текст.",
        "en": "Choose a certificate file or paste its text.",
    },
    "sig_e_invalid": {
        "ru": (
            "Это не сертификат: файл повреждён, обрезан или в другом формате. Нужен файл .cer, .pem или .der."
        ),
        "en": (
            "This is not a certificate: the file is damaged, truncated or in another format. A "
            ".cer, .pem or .der file is needed."
        ),
    },
    "sig_e_too_large": {
        "ru": "Файл больше {kib} КБ — сертификат меньше. Выберите файл сертификата .cer, .pem или .der.",
        "en": (
            "The file is larger than {kib} KB, more than a certificate. Choose a .cer, .pem or "
            ".der certificate file."
        ),
    },
    "sig_e_private_key": {
        "ru": (
            "В файле есть закрытый ключ — мы его не сохранили. Закрытый ключ никому нельзя передавать: "
            "загрузите только сертификат (.cer) без ключа."
        ),
        "en": (
            "The file contains a private key; it was not stored. Never give your private key to anyone: "
            "upload only the certificate (.cer), without the key."
        ),
    },
    "sig_e_snils_mismatch": {
        "ru": (
            "СНИЛС в сертификате не совпадает со СНИЛС в вашей учётной записи (или он в ней не указан). "
            "Привязать можно только свой сертификат."
        ),
        "en": (
            "The SNILS in the certificate differs from the SNILS of your account (or your account has none). "
            "Only your own certificate can be bound."
        ),
    },
    "sig_e_already_bound": {
        "ru": "Этот сертификат уже привязан к учётной записи.",
        "en": "This certificate is already bound to an account.",
    },
    "sig_e_expired": {
        "ru": (
            "Срок действия сертификата истёк. Получите новый сертификат в удостоверяющем центре и "
            "привяжите его."
        ),
        "en": "The certificate has expired. Get a new one from your certification authority and bind it.",
    },
    "sig_e_not_yet_valid": {
        "ru": "Сертификат ещё не начал действовать. Привяжите его, когда наступит дата начала действия.",
        "en": "The certificate is not valid yet. Bind it once its validity starts.",
    },
    "sig_e_revoked": {
        "ru": "Сертификат отозван удостоверяющим центром. Получите новый сертификат.",
        "en": "The certificate has been revoked by its certification authority. Get a new one.",
    },
    "sig_e_untrusted_issuer": {
        "ru": "Сертификат выдан удостоверяющим центром, которому мы не доверяем.",
        "en": "The certificate was issued by a certification authority we do not trust.",
    },
    "sig_e_bad_key_usage": {
        "ru": "Этот сертификат не предназначен для электронной подписи.",
        "en": "This certificate is not meant for electronic signatures.",
    },
    "sig_e_chain_invalid": {
        "ru": "Не удалось проверить цепочку сертификатов удостоверяющего центра.",
        "en": "The certification authority's certificate chain could not be verified.",
    },
    "sig_e_crl_unavailable": {
        "ru": (
            "Не удалось проверить, не отозван ли сертификат: список отозванных сертификатов "
            "или служба проверки статуса (OCSP) удостоверяющего центра недоступны. Попробуйте позже."
        ),
        "en": (
            "Could not check whether the certificate is revoked: the certification authority's "
            "revocation list or status service (OCSP) is unavailable. Try again later."
        ),
    },
    "no_events": {"ru": "Событий пока нет.", "en": "No events yet."},
    "ended": {"ru": "Сеанс завершён.", "en": "The session has ended."},
    "change_password": {"ru": "Сменить пароль", "en": "Change password"},
    "current_password": {"ru": "Текущий пароль", "en": "Current password"},
    "wrong_current_password": {
        "ru": "Текущий пароль указан неверно.",
        "en": "The current password is wrong.",
    },
    "password_saved": {
        "ru": "Пароль изменён. Остальные сеансы завершены.",
        "en": "The password is changed; your other sessions have ended.",
    },
    "second_factor": {"ru": "Второй фактор", "en": "Second factor"},
    "mfa_when": {"ru": "Когда спрашивать код при входе", "en": "When to ask for a code at sign-in"},
    "mfa_none": {"ru": "Только при входе с нового устройства", "en": "Only on a new device"},
    "mfa_sms": {"ru": "Всегда: код по SMS", "en": "Always: a code by SMS"},
    "mfa_email": {"ru": "Всегда: код на почту", "en": "Always: a code by e-mail"},
    "mfa_totp": {"ru": "Всегда: код из приложения", "en": "Always: a code from the app"},
    "save": {"ru": "Сохранить", "en": "Save"},
    "mfa_saved": {"ru": "Настройки второго фактора сохранены.", "en": "Second-factor settings saved."},
    "mfa_unavailable": {
        "ru": "Этот способ недоступен: сначала подтвердите контакт или подключите приложение.",
        "en": "This method is not available: confirm the contact or set up the app first.",
    },
    "totp_on": {"ru": "Приложение-аутентификатор подключено.", "en": "An authenticator app is enabled."},
    "totp_enable": {"ru": "Подключить приложение-аутентификатор", "en": "Set up an authenticator app"},
    "totp_disable": {"ru": "Отключить приложение", "en": "Disable the app"},
    "totp_disabled": {"ru": "Приложение отключено.", "en": "The app is disabled."},
    "totp_scan": {
        "ru": "Отсканируйте QR-код приложением-аутентификатором и введите код, который оно покажет.",
        "en": "Scan the QR code with an authenticator app and enter the code it shows.",
    },
    "totp_qr_label": {
        "ru": "QR-код для приложения-аутентификатора",
        "en": "QR code for the authenticator app",
    },
    "totp_manual": {"ru": "Или введите ключ вручную:", "en": "Or type the key in:"},
    "recovery_codes": {"ru": "Резервные коды", "en": "Recovery codes"},
    "recovery_codes_once": {
        "ru": "Сохраните эти коды: каждый действует один раз, "
        "если телефона с приложением не будет под рукой. "
        "Больше мы их не покажем.",
        "en": "Keep these codes: each works once if your phone with the app is not at hand. "
        "They will not be shown again.",
    },
    "done": {"ru": "Готово", "en": "Done"},
    "trusted_devices": {"ru": "Доверенные устройства", "en": "Trusted devices"},
    "no_devices": {"ru": "Доверенных устройств нет.", "en": "No trusted devices."},
    "trusted_until": {"ru": "Доверие до", "en": "Trusted until"},
    "revoke_device": {"ru": "Перестать доверять", "en": "Stop trusting"},
    "device_revoked": {"ru": "Устройство больше не доверенное.", "en": "The device is no longer trusted."},
    "phone_heading": {"ru": "Мобильный телефон", "en": "Mobile phone"},
    "email_heading": {"ru": "Электронная почта", "en": "E-mail"},
    "contact_status": {"ru": "Сейчас: {value} — {state}.", "en": "Now: {value} — {state}."},
    "contact_pending": {
        "ru": "Ждёт подтверждения: {value}. Введите код, который мы отправили.",
        "en": "Waiting for confirmation: {value}. Enter the code we sent.",
    },
    "new_phone": {"ru": "Новый номер", "en": "New number"},
    "new_email": {"ru": "Новый адрес", "en": "New address"},
    "send_sms_code": {"ru": "Получить код", "en": "Send me a code"},
    "send_email_code": {"ru": "Получить письмо с кодом", "en": "Send me an e-mail with a code"},
    "contact_code_sent": {"ru": "Код отправлен.", "en": "The code is sent."},
    "contact_confirmed": {"ru": "Контакт подтверждён.", "en": "The contact is confirmed."},
    "contact_taken": {
        "ru": "Этот контакт уже используется другой учётной записью.",
        "en": "This contact is already used by another account.",
    },
    "key_data": {"ru": "Изменить основные данные", "en": "Change key data"},
    "key_data_intro": {
        "ru": "ФИО, дата рождения, СНИЛС и паспорт. Изменение подтверждается кодом; "
        "до новой проверки в реестре учётная запись может стать упрощённой.",
        "en": "Name, birth date, SNILS and passport. The change is confirmed by a code; "
        "until the registry checks it again the account may become simplified.",
    },
    "key_data_saved": {"ru": "Данные изменены.", "en": "Your data is changed."},
    "event": {"ru": "Событие", "en": "Event"},
    "result": {"ru": "Результат", "en": "Result"},
    "result_success": {"ru": "успешно", "en": "success"},
    "result_failure": {"ru": "неуспешно", "en": "failure"},
    "revoked": {"ru": "Доступ отозван.", "en": "Access revoked."},
    # cabinet pages in the shared design (issue 10)
    "key_data_heading": {"ru": "Основные данные", "en": "Key data"},
    "contacts_heading": {"ru": "Контакты", "en": "Contacts"},
    "change": {"ru": "Изменить", "en": "Change"},
    "confirm_phone": {"ru": "Подтвердить телефон", "en": "Confirm the phone"},
    "confirm_email": {"ru": "Подтвердить почту", "en": "Confirm the e-mail"},
    "enter_the_code": {"ru": "Ввести код", "en": "Enter the code"},
    "fix_key_data": {"ru": "Исправить данные", "en": "Correct the data"},
    "enter_documents": {"ru": "Указать СНИЛС и паспорт", "en": "Enter SNILS and passport"},
    "cabinet_registry_retry": {"ru": "Проверить ещё раз", "en": "Check again"},
    "confirm_by_signature": {"ru": "Войти с электронной подписью", "en": "Sign in with a signature"},
    "status_phone_unconfirmed": {
        "ru": "Телефон {value} не подтверждён: на него не придут коды и уведомления.",
        "en": "The phone {value} is not confirmed: codes and notices will not be sent to it.",
    },
    "status_email_unconfirmed": {
        "ru": "Почта {value} не подтверждена: на неё не придут коды и уведомления.",
        "en": "The e-mail {value} is not confirmed: codes and notices will not be sent to it.",
    },
    "status_phone_pending": {
        "ru": "Новый номер {value} ждёт подтверждения кодом из SMS.",
        "en": "The new number {value} waits for the code from the SMS.",
    },
    "status_email_pending": {
        "ru": "Новый адрес {value} ждёт подтверждения кодом из письма.",
        "en": "The new address {value} waits for the code from the e-mail.",
    },
    "contact_unconfirmed_phone": {
        "ru": "Номер {value} не подтверждён. Введите код из SMS, которое мы отправили на этот номер.",
        "en": "The number {value} is not confirmed. Enter the code from the SMS we sent to it.",
    },
    "contact_unconfirmed_email": {
        "ru": "Адрес {value} не подтверждён. Перейдите по ссылке из письма, которое мы отправили, "
        "или введите код из него.",
        "en": "The address {value} is not confirmed. Follow the link in the e-mail we sent, "
        "or enter the code from it.",
    },
    "contact_none_phone": {
        "ru": "Номер телефона не указан. Укажите его, и мы пришлём код.",
        "en": "No phone number yet. Enter one and we will send a code.",
    },
    "contact_none_email": {
        "ru": "Адрес почты не указан. Укажите его, и мы пришлём письмо с кодом.",
        "en": "No e-mail address yet. Enter one and we will send an e-mail with a code.",
    },
    "contact_other_phone": {"ru": "Нет кода или другой номер", "en": "No code, or another number"},
    "contact_other_email": {"ru": "Нет письма или другой адрес", "en": "No e-mail, or another address"},
    "new_phone_hint": {
        "ru": "Оставьте пустым, чтобы получить новый код на текущий номер.",
        "en": "Leave it empty to get a new code to the current number.",
    },
    "new_email_hint": {
        "ru": "Оставьте пустым, чтобы получить новое письмо на текущий адрес.",
        "en": "Leave it empty to get a new e-mail to the current address.",
    },
    "back_to_my_data": {"ru": "Мои данные", "en": "My data"},
    "h_date_parts": {"ru": "Например, 17 05 1990", "en": "For example, 17 05 1990"},
    "mfa_sms_off": {
        "ru": "Недоступно: телефон не подтверждён.",
        "en": "Not available: the phone is not confirmed.",
    },
    "mfa_email_off": {
        "ru": "Недоступно: почта не подтверждена.",
        "en": "Not available: the e-mail is not confirmed.",
    },
    "mfa_totp_off": {
        "ru": "Недоступно, пока не подключено приложение-аутентификатор.",
        "en": "Not available until an authenticator app is set up.",
    },
    "totp_heading": {"ru": "Приложение-аутентификатор", "en": "Authenticator app"},
    "totp_about": {
        "ru": "Приложение на телефоне (например, Яндекс Ключ или Google Authenticator) показывает "
        "код для входа без SMS и интернета.",
        "en": "An app on your phone (such as Google Authenticator) shows a sign-in code "
        "without SMS or a network.",
    },
    "totp_code_hint": {
        "ru": "6 цифр, которые показывает приложение",
        "en": "The 6 digits the app shows",
    },
    "signed_in_at": {"ru": "Вход", "en": "Signed in"},
    "ip_address": {"ru": "IP-адрес", "en": "IP address"},
    "last_used": {"ru": "Последний вход", "en": "Last sign-in"},
    "trusted_devices_about": {
        "ru": "С этих устройств вход не требует кода до указанной даты.",
        "en": "Signing in on these devices needs no code until the date shown.",
    },
    "app_may_see": {"ru": "Приложение получает:", "en": "The application receives:"},
    "events_caption": {
        "ru": "Последние 100 событий, сначала новые",
        "en": "The latest 100 events, newest first",
    },
    "event_time": {"ru": "Время", "en": "Time"},
    # the in-browser signer (templates/_pfx_signer.html, frontend/src/pfx-signer.js)
    "pfx_title": {"ru": "Подписать в браузере", "en": "Sign in the browser"},
    "pfx_intro": {
        "ru": (
            "Выберите файл ключа .pfx (.p12) и введите его PIN-код: задание будет подписано здесь, "
            "на вашем устройстве. Ключ и PIN-код не отправляются на сервер."
        ),
        "en": (
            "Choose your .pfx (.p12) key file and enter its PIN: the challenge is signed here, on your "
            "device. The key and the PIN are not sent to the server."
        ),
    },
    "pfx_file_label": {"ru": "Файл ключа (.pfx, .p12)", "en": "Key file (.pfx, .p12)"},
    "pfx_file_hint": {
        "ru": "Ключи RSA и ECDSA P-256. Ключ ГОСТ подпишите программой КриптоПро и загрузите файл подписи.",
        "en": "RSA and ECDSA P-256 keys. For a GOST key, sign with CryptoPro and upload the signature file.",
    },
    "pfx_pin_label": {"ru": "PIN-код", "en": "PIN"},
    "pfx_sign_button": {"ru": "Подписать в браузере", "en": "Sign in the browser"},
    "pfx_signing": {"ru": "Подписываем…", "en": "Signing…"},
    "pfx_signed": {"ru": "Подписано. Отправляем подпись…", "en": "Signed. Sending the signature…"},
    "pfx_no_file": {"ru": "Выберите файл ключа .pfx", "en": "Choose a .pfx key file"},
    "pfx_no_pin": {"ru": "Введите PIN-код", "en": "Enter the PIN"},
    "pfx_wrong_pin": {"ru": "Неверный PIN-код", "en": "Wrong PIN"},
    "pfx_not_pfx": {
        "ru": "Файл не читается как .pfx (PKCS#12). Выберите файл ключа .pfx или .p12.",
        "en": "The file cannot be read as a .pfx (PKCS#12). Choose a .pfx or .p12 key file.",
    },
    "pfx_unsupported_encryption": {
        "ru": (
            "Файл защищён шифрованием, которое браузер не поддерживает (например, 3DES, RC2 или ГОСТ). "
            "Подпишите задание программой и загрузите файл подписи."
        ),
        "en": (
            "The file is protected with a cipher browsers do not support (such as 3DES, RC2 or GOST). "
            "Sign the challenge with a program and upload the signature file."
        ),
    },
    "pfx_unsupported_key": {
        "ru": (
            "Браузер может подписать только ключом RSA или ECDSA P-256. "
            "Подпишите задание программой (например, КриптоПро) и загрузите файл подписи."
        ),
        "en": (
            "The browser can only sign with an RSA or ECDSA P-256 key. "
            "Sign the challenge with a program (such as CryptoPro) and upload the signature file."
        ),
    },
    "pfx_no_key": {
        "ru": "В файле нет закрытого ключа (или их несколько). Выберите файл с одним ключом.",
        "en": "The file holds no private key (or several). Choose a file with one key.",
    },
    "pfx_no_certificate": {
        "ru": "В файле нет сертификата этого ключа. Выберите файл с ключом и сертификатом.",
        "en": "The file holds no certificate for its key. Choose a file with the key and its certificate.",
    },
    "pfx_failed": {
        "ru": "Не удалось подписать в браузере. Подпишите задание программой и загрузите файл подписи.",
        "en": (
            "Signing in the browser failed. Sign the challenge with a program and upload the signature file."
        ),
    },
}

SCOPE_TEXT: dict[str, dict[str, str]] = {
    "openid": {"ru": "Ваш идентификатор", "en": "Your identifier"},
    "profile": {"ru": "ФИО, дата рождения, пол", "en": "Name, birth date, gender"},
    "fullname": {"ru": "ФИО", "en": "Full name"},
    "birthdate": {"ru": "Дата рождения", "en": "Birth date"},
    "gender": {"ru": "Пол", "en": "Gender"},
    "email": {"ru": "Адрес электронной почты", "en": "E-mail address"},
    "phone": {"ru": "Номер мобильного телефона", "en": "Mobile phone number"},
    "address": {"ru": "Адрес", "en": "Address"},
    "snils": {"ru": "СНИЛС", "en": "SNILS (insurance number)"},
    "offline_access": {
        "ru": "Доступ без вашего участия — пока вы его не отзовёте",
        "en": "Access without you being present — until you revoke it",
    },
}

SUPPORTED = ("ru", "en")


def pick_locale(*candidates: str | None) -> str:
    """The first supported language among the candidates, most binding first; else Russian.

    Pages pass, in order (issue 10 item 5): the language the person chose on this page
    (``?lang=``), the relying party's ``ui_locales`` for the pages of its interaction (OIDC Core
    §3.1.2.1), the ``idp_lang`` cookie the switch set, and the browser's preference
    (:func:`shared.web.texts.preferred_language`)."""
    for value in candidates:
        if value in SUPPORTED:
            return value
    return "ru"


# -- login by electronic signature (issue 11) --------------------------------------------------
SIGNATURE_MESSAGES: dict[str, dict[str, str]] = {
    "sig_link": {"ru": "Войти с помощью электронной подписи", "en": "Sign in with an electronic signature"},
    "last_way_intro": {
        "ru": "В прошлый раз на этом устройстве вы входили так:",
        "en": "Last time on this device you signed in this way:",
    },
    "last_way_or_password": {"ru": "Или войдите с паролем", "en": "Or sign in with your password"},
    "last_second_intro": {
        "ru": "В прошлый раз на этом устройстве вы подтверждали вход так:",
        "en": "Last time on this device you confirmed the sign-in this way:",
    },
    "sig_title": {"ru": "Вход с помощью электронной подписи", "en": "Sign in with an electronic signature"},
    "sig_step_up": {
        "ru": "«{client}» просит подтвердить вход электронной подписью.",
        "en": "“{client}” asks you to confirm the sign-in with an electronic signature.",
    },
    "sig_step_up_qes": {
        "ru": "«{client}» просит подтвердить вход квалифицированной электронной подписью (КЭП).",
        "en": "“{client}” asks you to confirm the sign-in with a qualified electronic signature.",
    },
    "sig_how": {
        "ru": "Подпишите текст ниже своей электронной подписью (например, в КриптоАРМ или КриптоПро: "
        "подпись CMS, отсоединённая или присоединённая) и отправьте файл подписи.",
        "en": "Sign the text below with your electronic signature (for example in CryptoARM or CryptoPro: "
        "a CMS signature, detached or attached) and send the signature file.",
    },
    "sig_challenge_label": {"ru": "Текст для подписи", "en": "Text to sign"},
    "sig_challenge_hint": {
        "ru": "Подписывайте текст точно как он есть, без пробелов и переносов строк в конце. "
        "Он действует до {time} и только один раз.",
        "en": "Sign the text exactly as it is, with no spaces or line breaks added at the end. "
        "It is valid until {time} and only once.",
    },
    "sig_download": {"ru": "Скачать текст файлом", "en": "Download the text as a file"},
    "sig_file_label": {"ru": "Файл подписи", "en": "Signature file"},
    "sig_login_file_hint": {
        "ru": "Файл .sig, .p7s, .der, .pem или .p7b, до 64 КБ.",
        "en": "A .sig, .p7s, .der, .pem or .p7b file, up to 64 KB.",
    },
    "sig_text_label": {"ru": "Или вставьте подпись текстом", "en": "Or paste the signature as text"},
    "sig_text_hint": {
        "ru": "В base64 или PEM (-----BEGIN PKCS7-----).",
        "en": "In base64 or PEM (-----BEGIN PKCS7-----).",
    },
    "sig_submit": {"ru": "Войти", "en": "Sign in"},
    "sig_password_link": {"ru": "Войти по паролю", "en": "Sign in with a password"},
    "sig_missing": {
        "ru": "Выберите файл подписи или вставьте подпись текстом",
        "en": "Choose a signature file or paste the signature as text",
    },
    "sig_err_expired": {
        "ru": "Срок действия сертификата истёк",
        "en": "The certificate has expired",
    },
    "sig_do_expired": {
        "ru": "Получите новый сертификат в удостоверяющем центре и войдите с ним, или войдите по паролю.",
        "en": "Get a new certificate from your certification authority and sign in with it, "
        "or sign in with your password.",
    },
    "sig_err_not_yet_valid": {
        "ru": "Сертификат ещё не начал действовать",
        "en": "The certificate is not valid yet",
    },
    "sig_do_not_yet_valid": {
        "ru": "Проверьте дату начала действия сертификата и часы на компьютере; войдите позже или с другим "
        "сертификатом.",
        "en": "Check the certificate's start date and your computer's clock; sign in later or with another "
        "certificate.",
    },
    "sig_err_revoked": {"ru": "Сертификат отозван", "en": "The certificate has been revoked"},
    "sig_do_revoked": {
        "ru": "Удостоверяющий центр отозвал этот сертификат: войти с ним нельзя. Получите новый сертификат.",
        "en": "The certification authority revoked this certificate: it cannot be used. Get a new one.",
    },
    "sig_err_untrusted_issuer": {
        "ru": "Сертификат выдан удостоверяющим центром, которому мы не доверяем",
        "en": "The certificate was issued by a certification authority we do not trust",
    },
    "sig_do_untrusted_issuer": {
        "ru": "Войдите с сертификатом аккредитованного удостоверяющего центра или обратитесь в поддержку.",
        "en": "Sign in with a certificate from an accredited certification authority, or contact support.",
    },
    "sig_err_bad_key_usage": {
        "ru": "Сертификат не предназначен для электронной подписи",
        "en": "The certificate is not meant for electronic signatures",
    },
    "sig_do_bad_key_usage": {
        "ru": "Выберите сертификат подписи, а не шифрования.",
        "en": "Choose a signing certificate, not an encryption one.",
    },
    "sig_err_crl_unavailable": {
        "ru": "Не удалось проверить, не отозван ли сертификат",
        "en": "We could not check whether the certificate has been revoked",
    },
    "sig_do_crl_unavailable": {
        "ru": "Попробуйте войти позже. Если ошибка повторяется, обратитесь в поддержку.",
        "en": "Try again later. If it keeps happening, contact support.",
    },
    "sig_err_not_bound": {
        "ru": "Этот сертификат не привязан ни к одной учётной записи",
        "en": "This certificate is not linked to any account",
    },
    "sig_do_not_bound": {
        "ru": "Войдите по паролю и добавьте сертификат в личном кабинете, в разделе «Электронные подписи», "
        "или войдите с квалифицированным сертификатом (КЭП), в котором указан СНИЛС вашей учётной записи.",
        "en": "Sign in with your password and add the certificate in your cabinet, under “Electronic "
        "signatures”, or sign in with a qualified certificate that names your account's SNILS.",
    },
    "sig_err_wrong_signature": {
        "ru": "Подпись не подходит: она сделана не над этим текстом или повреждена",
        "en": "The signature does not match: it was made over another text or is damaged",
    },
    "sig_do_wrong_signature": {
        "ru": "Подпишите новый текст, показанный ниже, и отправьте подпись снова.",
        "en": "Sign the new text shown below and send the signature again.",
    },
    "sig_err_challenge_expired": {
        "ru": "Время на подпись текста истекло",
        "en": "The time to sign the text has run out",
    },
    "sig_do_challenge_expired": {
        "ru": "Подпишите новый текст, показанный ниже.",
        "en": "Sign the new text shown below.",
    },
    "sig_err_challenge_used": {
        "ru": "Этот текст уже использован или открыт в другом браузере",
        "en": "This text was already used or opened in another browser",
    },
    "sig_do_challenge_used": {
        "ru": "Каждый текст подписывается один раз. Подпишите новый текст, показанный ниже.",
        "en": "Each text is signed once. Sign the new text shown below.",
    },
    "sig_err_unreadable": {
        "ru": "Файл не читается как электронная подпись",
        "en": "The file cannot be read as an electronic signature",
    },
    "sig_do_unreadable": {
        "ru": "Выберите файл подписи CMS (PKCS#7): .sig или .p7s, или вставьте подпись в base64.",
        "en": "Choose a CMS (PKCS#7) signature file, .sig or .p7s, or paste the signature in base64.",
    },
    "sig_err_no_certificate": {
        "ru": "В подписи нет сертификата подписавшего",
        "en": "The signature does not include the signer's certificate",
    },
    "sig_do_no_certificate": {
        "ru": "Создайте подпись с включённым сертификатом (в программе подписи: «включить сертификат "
        "подписанта»).",
        "en": "Make the signature with the signer's certificate included (the signing program's “include "
        "certificate” option).",
    },
    "sig_err_private_key": {
        "ru": "Вы отправили закрытый ключ, а не подпись",
        "en": "You sent a private key, not a signature",
    },
    "sig_do_private_key": {
        "ru": "Мы его не сохранили. Никому не передавайте закрытый ключ; отправьте файл подписи.",
        "en": "We did not keep it. Never give your private key to anyone; send the signature file.",
    },
    "sig_err_unsupported_algorithm": {
        "ru": "Алгоритм подписи не поддерживается",
        "en": "The signature algorithm is not supported",
    },
    "sig_do_unsupported_algorithm": {
        "ru": "Поддерживаются ГОСТ Р 34.10-2012, RSA от 2048 бит и ECDSA с SHA-256 и выше.",
        "en": "Supported: GOST R 34.10-2012, RSA of 2048 bits or more, and ECDSA, with SHA-256 or stronger.",
    },
    "sig_err_verifier_failed": {
        "ru": "Не удалось проверить подпись ГОСТ",
        "en": "The GOST signature could not be checked",
    },
    "sig_do_verifier_failed": {
        "ru": "Попробуйте позже. Если ошибка повторяется, обратитесь в поддержку.",
        "en": "Try again later. If it keeps happening, contact support.",
    },
    "sig_err_too_large": {"ru": "Файл слишком большой", "en": "The file is too large"},
    "sig_do_too_large": {
        "ru": "Файл подписи — до 64 КБ. Выберите файл подписи, а не подписанный документ.",
        "en": "A signature file is at most 64 KB. Choose the signature file, not a signed document.",
    },
}
# one key, one text: a key in both would silently replace the cabinet's (it did: «Файл сертификата»
# was hinted with the signature login's file types)
if _twice := MESSAGES.keys() & SIGNATURE_MESSAGES.keys():
    raise RuntimeError(f"text keys defined twice: {sorted(_twice)}")
MESSAGES.update(SIGNATURE_MESSAGES)
if _twice := MESSAGES.keys() & APP_MESSAGES.keys():
    raise RuntimeError(f"text keys defined twice: {sorted(_twice)}")
MESSAGES.update(APP_MESSAGES)
MESSAGES.update(bank_texts.BANK_MESSAGES)
if _twice := MESSAGES.keys() & PASSKEY_MESSAGES.keys():
    raise RuntimeError(f"text keys defined twice: {sorted(_twice)}")
MESSAGES.update(PASSKEY_MESSAGES)


def text(key: str, locale: str, **params: str) -> str:
    entry = MESSAGES[key]
    return entry.get(locale, entry["ru"]).format(**params)


def scope_text(scope: str, locale: str) -> str:
    """The consent page's line for a scope of either face (the ESIA catalogue: ESIA.md §6)."""
    entry = SCOPE_TEXT.get(scope)
    if entry:
        return entry.get(locale, entry["ru"])
    return smart_texts.describe(scope, locale) or esia_scopes.describe(scope, locale) or scope


EVENT_TEXT: dict[str, dict[str, str]] = {
    "registered": {"ru": "Регистрация", "en": "Registration"},
    "login_succeeded": {"ru": "Вход", "en": "Sign-in"},
    "login_failed": {"ru": "Неудачная попытка входа", "en": "Failed sign-in"},
    "account_locked": {"ru": "Блокировка учётной записи", "en": "Account locked"},
    "code_sent": {"ru": "Отправлен код", "en": "Code sent"},
    "code_failed": {"ru": "Неверный код или ошибка отправки", "en": "Wrong code or sending failed"},
    "password_changed": {"ru": "Смена пароля", "en": "Password changed"},
    "password_change_failed": {"ru": "Неудачная смена пароля", "en": "Failed password change"},
    "level_changed": {"ru": "Изменение уровня учётной записи", "en": "Account level changed"},
    "contact_confirmed": {"ru": "Подтверждение контакта", "en": "Contact confirmed"},
    "grant_given": {"ru": "Доступ приложению", "en": "Access given to an app"},
    "grant_revoked": {"ru": "Отзыв доступа приложения", "en": "App access revoked"},
    "session_ended": {"ru": "Завершение сеанса", "en": "Session ended"},
    "recovery_requested": {"ru": "Запрос восстановления доступа", "en": "Recovery requested"},
    "second_factor_changed": {"ru": "Настройки второго фактора", "en": "Second factor settings"},
    "trusted_device_revoked": {"ru": "Устройство больше не доверенное", "en": "Device no longer trusted"},
    "key_data_changed": {"ru": "Изменение основных данных", "en": "Key data changed"},
    "admin_action": {"ru": "Действие оператора", "en": "Operator action"},
    "certificate_bound": {"ru": "Привязка сертификата подписи", "en": "Signature certificate bound"},
    "certificate_unbound": {"ru": "Сертификат подписи отвязан", "en": "Signature certificate unbound"},
    "bank_linked": {"ru": "Учётная запись связана с банком", "en": "Account linked to a bank"},
    "bank_unlinked": {"ru": "Связь с банком удалена", "en": "Bank link removed"},
    "bank_identity_unverified": {
        "ru": "Банк не подтвердил СНИЛС",
        "en": "The bank did not confirm the SNILS",
    },
    **PASSKEY_EVENTS,
}


EVENT_TEXT.update(APP_EVENTS)


def event_text(event_type: str, locale: str) -> str:
    entry = EVENT_TEXT.get(event_type)
    return entry.get(locale, entry["ru"]) if entry else event_type
