"""The words of app confirmation (issue 15 item 1), Russian (default) and English; merged into
the login pages' texts (``idp.login.i18n``), which refuse a key defined twice."""

from __future__ import annotations

APP_MESSAGES: dict[str, dict[str, str]] = {
    # the login side
    "app_confirm_button": {"ru": "Подтвердить в приложении", "en": "Confirm in the app"},
    "app_title": {"ru": "Подтверждение в приложении", "en": "Confirm in the app"},
    "app_number_intro": {
        "ru": "Мы отправили запрос в приложение «Госуслуги». Откройте его и выберите это число:",
        "en": "We sent a request to the Gosuslugi app. Open it and choose this number:",
    },
    "app_number_label": {"ru": "Число для подтверждения", "en": "Number to confirm"},
    "app_waiting": {
        "ru": "Ждём ответа из приложения. Подтвердить вход можно до {until}.",
        "en": "Waiting for the app. You can confirm the sign-in until {until}.",
    },
    "app_check": {"ru": "Проверить", "en": "Check"},
    "app_check_hint": {
        "ru": "Подтвердили в приложении? Нажмите «Проверить».",
        "en": "Confirmed in the app? Press “Check”.",
    },
    "app_not_yet": {
        "ru": "Вход ещё не подтверждён в приложении.",
        "en": "The sign-in has not been confirmed in the app yet.",
    },
    "app_use_code": {"ru": "Ввести код вместо этого", "en": "Enter a code instead"},
    "app_denied": {
        "ru": "Вход отклонён в приложении. Если это были не вы, смените пароль: его знает кто-то ещё.",
        "en": "The sign-in was denied in the app. If it was not you, change your password: "
        "someone else knows it.",
    },
    "app_expired": {
        "ru": "Время на подтверждение в приложении истекло. Войдите снова.",
        "en": "The time to confirm in the app has run out. Sign in again.",
    },
    "app_foreign": {
        "ru": "Этот вход начат в другом браузере: завершить его можно только там.",
        "en": "This sign-in was started in another browser: it can only be completed there.",
    },
    "app_gone": {
        "ru": "Это подтверждение уже использовано или устарело. Войдите снова.",
        "en": "This confirmation was already used or is out of date. Sign in again.",
    },
    "app_too_many": {
        "ru": "В приложение уже отправлено несколько запросов на вход. Ответьте на них или подождите, "
        "пока они истекут, либо введите код.",
        "en": "Several sign-in requests are already waiting in the app. Answer them or wait until they "
        "expire, or enter a code.",
    },
    "app_no_device": {
        "ru": "К вашей учётной записи не подключено приложение. Выберите другой способ.",
        "en": "No app is connected to your account. Choose another way.",
    },
    # the cabinet
    "app_devices_heading": {"ru": "Приложение «Госуслуги»", "en": "The Gosuslugi app"},
    "app_devices_about": {
        "ru": "Подтверждайте вход в приложении на телефоне вместо ввода кода.",
        "en": "Confirm sign-ins in the app on your phone instead of typing a code.",
    },
    "app_devices_link": {"ru": "Настроить приложение", "en": "Set up the app"},
    "app_devices_none": {"ru": "Приложение не подключено.", "en": "No app is connected."},
    "app_device_name_label": {"ru": "Название устройства", "en": "Device name"},
    "app_device_name_hint": {"ru": "Например, «Мой телефон».", "en": "For example, “My phone”."},
    "app_device_name_required": {"ru": "Введите название устройства", "en": "Enter a device name"},
    "app_device_name_too_long": {
        "ru": "Название — не длиннее 64 символов",
        "en": "The name must be at most 64 characters",
    },
    "app_device_add": {"ru": "Подключить приложение", "en": "Connect the app"},
    "app_device_remove": {"ru": "Отключить", "en": "Disconnect"},
    "app_device_added_at": {"ru": "Подключено", "en": "Connected"},
    "app_device_last_used": {"ru": "Последний ответ", "en": "Last answer"},
    "app_device_credential_once": {
        "ru": "Ключ устройства показан один раз: введите его в приложении. Он позволяет подтверждать ваши "
        "входы — никому его не сообщайте.",
        "en": "The device key is shown once: enter it in the app. It lets the app confirm your sign-ins — "
        "never give it to anyone.",
    },
    "app_device_credential_label": {"ru": "Ключ устройства", "en": "Device key"},
    "app_device_dev_link": {
        "ru": "Страница приложения (режим разработки)",
        "en": "The app page (development mode)",
    },
    "app_device_added": {"ru": "Приложение подключено.", "en": "The app is connected."},
    "app_device_removed": {"ru": "Приложение отключено.", "en": "The app was disconnected."},
    "app_device_not_found": {"ru": "Устройство не найдено.", "en": "No such device."},
    # the simulated app (dev mode)
    "app_dev_title": {"ru": "Госуслуги — приложение", "en": "Gosuslugi — the app"},
    "app_dev_warning": {
        "ru": "Режим разработки: эта страница изображает приложение «Госуслуги» на телефоне ({device}).",
        "en": "Development mode: this page plays the Gosuslugi app on a phone ({device}).",
    },
    "app_dev_none": {"ru": "Запросов на вход нет.", "en": "No sign-in requests."},
    "app_dev_request": {"ru": "Кто-то входит в вашу учётную запись", "en": "Someone is signing in"},
    "app_dev_place": {"ru": "Место (IP-адрес)", "en": "Place (IP address)"},
    "app_dev_browser": {"ru": "Браузер", "en": "Browser"},
    "app_dev_time": {"ru": "Время", "en": "Time"},
    "app_dev_choose": {
        "ru": "Это вы? Выберите число, которое показано на странице входа",
        "en": "Is it you? Choose the number shown on the sign-in page",
    },
    "app_dev_deny": {"ru": "Отклонить — это не я", "en": "Deny — it is not me"},
    "app_dev_refresh": {"ru": "Обновить", "en": "Refresh"},
    "app_dev_approved": {"ru": "Вход подтверждён.", "en": "The sign-in is confirmed."},
    "app_dev_denied": {
        "ru": "Вход отклонён. Мы предупредили владельца учётной записи.",
        "en": "The sign-in was denied. We warned the account's owner.",
    },
    "app_dev_wrong_number": {
        "ru": "Число не совпало: вход отклонён. Мы предупредили владельца учётной записи.",
        "en": "The number did not match: the sign-in was denied. We warned the account's owner.",
    },
    "app_dev_unknown_device": {
        "ru": "Устройство не найдено или отключено. Подключите приложение заново в личном кабинете.",
        "en": "The device is unknown or was disconnected. Connect the app again in your cabinet.",
    },
    "app_err_approval_not_found": {"ru": "Запрос на вход не найден.", "en": "No such sign-in request."},
    "app_err_approval_foreign_account": {
        "ru": "Этот запрос на вход относится к другой учётной записи.",
        "en": "This sign-in request belongs to another account.",
    },
    "app_err_approval_expired": {
        "ru": "Время на ответ истекло.",
        "en": "The time to answer has run out.",
    },
    "app_err_approval_already_answered": {
        "ru": "На этот запрос уже ответили.",
        "en": "This request was already answered.",
    },
}

APP_EVENTS: dict[str, dict[str, str]] = {
    "app_device_registered": {"ru": "Подключено приложение", "en": "App connected"},
    "app_device_refused": {"ru": "Приложение не подключено", "en": "App not connected"},
    "app_device_removed": {"ru": "Приложение отключено", "en": "App disconnected"},
    "app_approval_requested": {"ru": "Запрос подтверждения в приложении", "en": "App confirmation asked"},
    "app_approval_approved": {"ru": "Вход подтверждён в приложении", "en": "Sign-in confirmed in the app"},
    "app_approval_denied": {"ru": "Вход отклонён в приложении", "en": "Sign-in denied in the app"},
    "app_approval_refused": {"ru": "Ответ приложения не принят", "en": "App answer refused"},
}
