"""The authorities' report page in Russian and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "reports_title": {"ru": "Отчёты для органов здравоохранения", "en": "Reports for health authorities"},
    "reports_intro": {
        "ru": "Только сводные числа: тесты и положительные результаты, вакцинация по дозам — по регионам и "
        "периодам. Числа от 1 до 4 скрыты («<5»), вместе с ними скрыты числа, по которым их можно вычислить.",
        "en": "Aggregates only: tests and positive results, vaccinations by dose, by region and period. "
        "Counts from 1 to 4 are hidden («<5»), and so are the counts they could be worked out from.",
    },
    "reports_denied": {
        "ru": "Недостаточно прав: отчёты доступны сотрудникам органов управления здравоохранением.",
        "en": "Insufficient rights: the reports are for staff of health authorities.",
    },
    "reports_measure": {"ru": "Отчёт", "en": "Report"},
    "reports_from": {"ru": "С (ГГГГ-ММ-ДД)", "en": "From (YYYY-MM-DD)"},
    "reports_to": {"ru": "По (ГГГГ-ММ-ДД)", "en": "To (YYYY-MM-DD)"},
    "reports_period": {"ru": "Группировать по", "en": "Group by"},
    "reports_unit_day": {"ru": "дням", "en": "day"},
    "reports_unit_week": {"ru": "неделям", "en": "week"},
    "reports_unit_month": {"ru": "месяцам", "en": "month"},
    "reports_region": {"ru": "Регион (код из двух цифр)", "en": "Region (two-digit code)"},
    "reports_region_hint": {
        "ru": "Пусто — все доступные вам регионы.",
        "en": "Leave empty for every region you may see.",
    },
    "reports_region_bound": {"ru": "Ваш регион: {region}", "en": "Your region: {region}"},
    "reports_show": {"ru": "Показать", "en": "Show"},
    "reports_csv": {"ru": "Скачать CSV", "en": "Download CSV"},
    "reports_chart_desc": {
        "ru": "Всего по каждому региону и периоду; те же числа — в таблице ниже.",
        "en": "Totals per region and period; the same figures are in the table below.",
    },
    "reports_table": {"ru": "Таблица", "en": "Table"},
    "reports_col_region": {"ru": "Регион", "en": "Region"},
    "reports_col_period": {"ru": "Период", "en": "Period"},
    "reports_col_total": {"ru": "Всего", "en": "Total"},
    "reports_col_positive": {"ru": "положительных", "en": "positive"},
    "reports_unknown_region": {"ru": "не указан", "en": "not given"},
    "reports_empty": {"ru": "За этот период данных нет.", "en": "There is no data for this period."},
    "reports_bad_input": {
        "ru": "Проверьте параметры отчёта: {detail}",
        "en": "Check the report's parameters: {detail}",
    },
    "reports_stratum_pcr": {"ru": "ПЦР", "en": "PCR"},
    "reports_stratum_express": {"ru": "Экспресс-тест", "en": "Rapid antigen"},
    "reports_stratum_antibody": {"ru": "Антитела", "en": "Antibodies"},
    "reports_stratum_dose": {"ru": "Доза {n}", "en": "Dose {n}"},
    "reports_stratum_other": {"ru": "Другая доза", "en": "Other dose"},
    "reports_measure_covid-tests": {"ru": "Тесты на COVID-19", "en": "COVID-19 tests"},
    "reports_measure_covid-vaccinations": {"ru": "Вакцинация против COVID-19", "en": "COVID-19 vaccinations"},
}
