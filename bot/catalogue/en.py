"""English texts, for officials whose language is `en`."""

TEXTS = {
    # Webhook
    "unregistered": (
        "Sorry, this number is not registered with E-Monev. "
        "Please contact {contact} to be registered."
    ),
    "inactive": "This number is no longer active in E-Monev. Please contact {contact}.",
    "media_only": "Sorry, I can only read text messages. Please type your answer.",
    "error.retry": (
        "Sorry, something went wrong with this message. Your earlier answers "
        "are safe. Please send it again in a moment."
    ),
    # Menu and help
    "greeting.salam": "Waalaikumsalam, {name}",
    "greeting.pagi": "Good morning, {name}",
    "greeting.siang": "Good afternoon, {name}",
    "greeting.sore": "Good afternoon, {name}",
    "greeting.malam": "Good evening, {name}",
    "greeting.hello": "Hello, {name}",
    "menu.operator": (
        "E-Monev menu:\n"
        "1. Monthly spending report\n"
        "2. Quarterly indicators\n"
        "3. Report status\n"
        "4. Help\n"
        "Reply with a number, or type e.g. *lapor march*."
    ),
    "menu.supervisor": (
        "E-Monev menu:\n"
        "1. Overview of the last period\n"
        "2. Agencies that have not reported\n"
        "3. Next deadlines\n"
        "4. Help\n"
        "Examples: *status march*, *status dinkes*, *belum tw 1*."
    ),
    "menu.did_you_mean": "Did you mean *{command}*? (yes/no)",
    "help": (
        "How to report:\n"
        "1. Type *lapor* and pick a period (e.g. *lapor march*, *lapor tw 1*).\n"
        "2. Answer one question at a time. Numbers may use dots or commas: "
        "1.250.000 or 1,25 jt.\n"
        "3. Check the summary and reply *yes* to send.\n"
        "Several at once works too: *keuangan march 1,9 M fisik 15*.\n"
        "Other commands: *status*, *back*, *skip*, *cancel*, *lanjut*, "
        "*corrections*, *help*.\n"
        "*berhenti* stops reminders; *mulai* turns them on again."
    ),
    "thanks": "You're welcome.",
    "nothing_in_progress": "No report is in progress. Type *lapor* to start.",
    # Periods
    "period.quarter": "Quarter {roman} {year}",
    "period.year": "Year {year}",
    "period.unknown": "That period was not found. Examples: *march*, *tw 1*, *tahunan*.",
    # Reporting
    "report.not_operator": (
        "Reports are filled in by agency operators. Type *status* for an overview."
    ),
    "report.nothing_to_report": "There are no indicators to report for {period}.",
    "report.no_open_periods": (
        "Every report that is due has been sent. Thank you! "
        "To change a report, type e.g. *lapor march*."
    ),
    "report.period_option": "{number}. {label} (due {deadline})",
    "report.choose_period": "Which report do you want to fill in?\n{options}\nReply with its number.",
    "report.choose_again": "Reply with a number from 1 to {count}, or *cancel*.",
    "report.cancelled_choice": "All right. Type *lapor* any time.",
    "report.header": "Report *{label}* — {agency} (due: {deadline}).",
    "report.resumed": "Continuing the draft *{label}* — {agency} (due: {deadline}).",
    "report.reopened": (
        "Report *{label}* — {agency} has already been sent. "
        "Reply with a number to change an answer, then *yes* to send it again."
    ),
    "report.budget": "Budget ceiling of {agency} {year}: {ceiling}.",
    "report.skipped_back": "A required question was skipped earlier:",
    "report.back": "Back to the previous question (current answer: {value}).",
    "report.back_at_start": "This is the first question.",
    "report.help": (
        "Type the answer, or: *skip* (fill in later), *back* (previous "
        "question), *cancel* (save the draft and leave)."
    ),
    "report.cancelled": (
        "OK, stopped. Your answers so far are saved as a *draft* (not sent). "
        "Type *lanjut* to continue."
    ),
    "report.offer_next": (
        "The report *{label}* (due {deadline}) is still open. Fill it in now? (yes/no)"
    ),
    "report.later": "All right. Type *lapor* any time to fill it in.",
    "question": "{number}/{total} — {name}?{hint}",
    "question.optional_text": " (type *-* if none)",
    "question.currency_hint": " (e.g. 18.250.500.000 or 18,25 M)",
    "example.currency": "18.250.500.000 or 18,25 M",
    # Answers
    "answer.bounds_hint": " (expected {bounds})",
    "answer.ok": "✔️ {value}{extra}",
    "answer.share_of_budget": " ({share} of the ceiling)",
    "answer.changed": "{name} changed: {old} → *{new}* ✔️",
    "answer.skipped": "Skipped ⏭️",
    "answer.skipped_required": (
        "Skipped ⏭️ (required, due {deadline}; you will be asked again before "
        "the summary)."
    ),
    "answer.not_a_number": '❌ "{raw}" is not a number. Please retype, e.g. {example}',
    "answer.letter_o": (
        '❌ "{raw}" is not a number (a letter O?). Please retype, e.g. {example}'
    ),
    "answer.malformed": (
        '❌ "{raw}" cannot be read: thousands dots go every 3 digits. '
        "Please retype, e.g. {example}"
    ),
    "answer.several_numbers": (
        "❌ That has more than one number. Send one number, e.g. {example}"
    ),
    "answer.not_integer": "❌ A whole number is needed. Please retype, e.g. {example}",
    "answer.out_of_bounds": (
        "❌ {value} is outside the bounds ({bounds}). Please retype, e.g. {example}"
    ),
    "answer.ambiguous": (
        "⚠️ Did you mean 1. *{decimal}* or 2. *{thousands}*? (expected {bounds}) "
        "Reply 1 or 2, or retype the number."
    ),
    "answer.unknown_choice": "❌ Unknown option. Reply with its number or word:\n{options}",
    "answer.empty_text": "❌ This question is required. Please type the answer.",
    "value.empty": "_(not filled in)_",
    "value.none": "none",
    # Summary and receipt
    "summary": (
        "*Summary {label} — {agency}*\n{lines}\n"
        "Send this report? (yes/no) Reply with a number to change an answer."
    ),
    "summary.bad_number": "There is no such number. Reply 1 to {count}, or *yes* to send.",
    "summary.unclear": "Reply *yes* to send, a number to change an answer, or *cancel*.",
    "summary.not_sent": (
        "All right, not sent. Reply with a number to change, *yes* to send, "
        "or *cancel* to keep the draft."
    ),
    "summary.missing": "Cannot send yet, required answers are missing: {names}. Reply with the number.",
    "receipt": "✅ Sent. Receipt no. {receipt}.\n{timing}",
    "receipt.on_time": "*On time* (due {deadline}).",
    "receipt.late": "*Late* (due {deadline}).",
    "notice.submitted": "ℹ️ The {label} report of {agency} was sent by {name}.",
    "notice.resubmitted": "ℹ️ The {label} report of {agency} was changed and sent again by {name}.",
    # Status
    "status.period": (
        "*{label}* (due {deadline})\n"
        "Reported: {submitted} of {total} • On time: {on_time} • Late: {late}"
    ),
    "status.missing": "*Not reported ({count}):* {names}",
    "status.none_missing": "Every agency has reported. ✅",
    "status.agency_none": "*{agency} — {label}*: nothing filled in yet (due {deadline}).",
    "status.agency_draft": (
        "*{agency} — {label}*: *draft*, not sent ({filled} of {total} filled in).\n"
        "{lines}"
    ),
    "status.agency_submitted": (
        "*{agency} — {label}*: sent {when} by {by} • {timing}\n{lines}"
    ),
    "status.on_time": "on time",
    "status.late": "late",
    "status.own_agency_only": "You can only see the reports of {agency}.",
    "status.no_agency": (
        "This number is not linked to any agency, so there is nothing to show. "
        "Please contact {contact}."
    ),
    "deadline.one": "The *{label}* report is due *{deadline}*.",
    "deadline.line": "• {label}: {deadline}",
    "deadline.list": "Next deadlines:\n{lines}",
    "deadline.none": "There is no upcoming deadline.",
    # Comparisons with the previous period (flows/status.py, flows/insight.py)
    "compare.previous": " ({period} {value}, {change})",
    "compare.change": " ({change})",
    "compare.unchanged": "unchanged",
    "compare.points": "{value} pts",
    "compare.quarter": "Q{roman}",
    # Questions across agencies: rekap, peringkat, telat (flows/insight.py)
    "insight.recap_title": "*{indicator} overview — {label}*\n{name}",
    "insight.changes_from": "In brackets: the change from {label}.",
    "insight.value_line": "• {agency}: {value}{change}",
    "insight.count": "With a value: {reported} of {expected} agencies",
    "insight.spread": (
        "Lowest: {low} ({low_names}) • Median: {median}{median_change} • "
        "Highest: {high} ({high_names})"
    ),
    "insight.more_names": "{names} and {count} more",
    "insight.no_values": "No {indicator} values for {label} yet.",
    "insight.without_value": "*No value yet ({count}):* {names}",
    "insight.choice_line": "• {choice} ({count}{before}): {names}",
    "insight.choice_before": ", {period}: {count}",
    "insight.end_of": "{label} (end of {whole})",
    "insight.periodicity": (
        "{indicator} is reported {periodicity}. "
        "Example: *{example}*."
    ),
    "insight.periodicity.monthly": "monthly",
    "insight.periodicity.quarterly": "quarterly",
    "insight.periodicity.annual": "yearly",
    "insight.unknown_indicator": (
        'The indicator "{text}" was not found. Did you mean {options}? '
        "Example: *rekap bor march*."
    ),
    "insight.unknown_indicator_none": (
        'The indicator "{text}" was not found. Type its name or code, '
        "for example *rekap bor march* or *peringkat fisik*."
    ),
    "insight.not_applicable": "{agency} does not report {indicator}.",
    "insight.own_value": "*{agency} — {indicator} {label}*: {value}{change}",
    "insight.own_none": "*{agency} — {indicator} {label}*: no value yet.",
    "insight.ranking_title": "*Ranking by {measure} — {label}*",
    "insight.measure_budget": "{indicator} (% of budget)",
    "insight.rank_line": "{rank}. {agency}: {value}{change}",
    "insight.ranking_none": "No agency can be ranked for {label} yet.",
    "insight.no_budget_list": "*No {year} budget ({count}):* {names}",
    "insight.no_budget_indicator": (
        "The spending ranking is not available because no indicator is checked "
        "against the budget. Name an indicator, e.g. *peringkat fisik*."
    ),
    "insight.not_numeric": (
        "{indicator} is not a number, so it cannot be ranked. Try *rekap {example}*."
    ),
    "insight.own_rank": (
        "*{agency} — {measure} {label}*: rank {rank} of {count} agencies • "
        "{value}{change}"
    ),
    "insight.own_no_budget": (
        "*{agency}*: no {year} budget yet, so "
        "it cannot be ranked."
    ),
    "insight.late_not_due": "*{label}* is due {deadline}, so no report is late yet.",
    "insight.late_header": "*Reported late ({count}):*",
    "insight.late_line": "• {agency}: {days} days (sent {when})",
    "insight.late_none": "No report came in late.",
    "insight.overdue": (
        "*Not reported, {days} days past the "
        "deadline ({count}):* {names}"
    ),
    "insight.own_on_time": "*{agency} — {label}*: reported on time (sent {when}).",
    "insight.own_late": (
        "*{agency} — {label}*: reported {days} "
        "days late (sent {when})."
    ),
    "insight.own_overdue": (
        "*{agency} — {label}*: not reported, {days} days past the deadline "
        "{deadline}. Type *lapor* to fill it in."
    ),
    "insight.own_overdue_locked": (
        "*{agency} — {label}*: not reported, {days} days past the deadline "
        "{deadline}."
    ),
    "insight.own_not_due": "*{agency} — {label}*: not reported yet (due {deadline}).",
    # Added checks and replies
    "report.not_open_yet": "The *{label}* report cannot be filled in yet; it opens on {opens}.",
    "report.more_periods": "{count} more periods are open; type e.g. *lapor january* or *lapor tw 1*.",
    "report.paused": "The {label} report is paused; answers are saved (type *lanjut*).",
    "report.cancelled_submitted": (
        "OK, left. This report stays *sent*; the answers you changed are saved. "
        "Type *lapor* again to send it again."
    ),
    "empty_message": "The message is empty. Please type your answer.",
    "media_ignored": "(The attachment was not read; only text is processed.)",
    "status.unknown_target": (
        '"{text}" is neither an agency nor a period. '
        "Examples: *status march*, *status dinkes*, *status tw 1*."
    ),
    "status.late_list": "*Late ({count}):* {names}",
    "help.supervisor": (
        "Commands for supervisors:\n"
        "• *status* or *status march*: one period's overview\n"
        "• *status dinkes* or *laporan rsud march*: one agency's report\n"
        "• *belum* or *belum tw 1*: agencies that have not reported\n"
        "• *telat* or *telat march*: agencies that reported late, by how many days\n"
        "• *rekap bor march*: one indicator across agencies (lowest, median, highest)\n"
        "• *peringkat realisasi* or *peringkat fisik*: agencies in order\n"
        "• *batas tw 2*: a deadline\n"
        "• *flag rsud bor march, <note>*: ask the operators to fix one value\n"
        "• *approve* or *reject <note>*: decide on an operator's answer\n"
        "• *verify rsud march*: verify a report with no open notes\n"
        "• *unlock rsud march* (admin): reopen a locked report\n"
        "• *kirim pengingat ke yg belum*: remind the agencies that have not reported\n"
        "• *ringkasan harian 07:30* or *ringkasan harian mati*: the daily summary"
    ),
    "answer.currency_fraction": (
        '❌ "{raw}" is not a whole rupiah amount. Write it in full or use jt/M, '
        "e.g. {example}"
    ),
    "answer.unit_mismatch": (
        "❌ This question is in *{expected}*, not {given}. "
        "Send the number in {expected}, e.g. {example}"
    ),
    "answer.unknown_scale": (
        '❌ The unit in "{raw}" is not known. Use rb, jt, M (billion) or T, '
        "e.g. {example}"
    ),
    "answer.too_large": '❌ "{raw}" is too large to store. Please retype, e.g. {example}',
    # Checks of stored values
    "check.warning": "⚠️ Please check:\n{lines}\n{ask}",
    "check.ask": "Send the correct value, or type *keep* + a reason if the value is right.",
    "check.ask_value": "Please send the correct value.",
    "check.hard_high": "*{label} {value}* is above {limit}.",
    "check.hard_low": "*{label} {value}* is below {limit}.",
    "check.invalid": "*{label}*: {error}",
    "check.still": "Still to check:\n{lines}\n{ask}",
    "check.which": "Which value is that? Write its name and the number, e.g. *{example}*.",
    "check.reason_needed": "Please give the reason, e.g. *keep a large instalment was paid*.",
    "check.kept": "OK, the value is kept with the reason: _{reason}_ ✔️",
    "check.offer_sum": (
        "OK. Cumulative to {label} = {previous} + {value} = *{total}*. Correct? (yes/no)"
    ),
    "check.sum_reason": "monthly value added to the cumulative value of {label}",
    "check.no_previous": (
        "There is no earlier cumulative value to add it to. Please send the "
        "*cumulative* value to the end of the month."
    ),
    "check.send_cumulative": "OK, please send the correct *cumulative* value.",
    "check.ok_item": "{label} {value} ✔️",
    "check.left_open": "The check stays open; you can fix it later with *report*.",
    "check.help": (
        "Send the correct value (e.g. *{example}*), or *keep* + a reason, or "
        "*skip* to go on for now."
    ),
    "check.which_period": "For which period? Write the month, e.g. *{example}*.",
    "check.nothing_found": "No indicator was recognised in that message.",
    "summary.flagged": " ⚠️",
    "report.locked": (
        "🔒 The *{label}* report has been locked since {since}. To change it, "
        "ask an admin to unlock it (e.g. *unlock {agency} {period}*)."
    ),
    # Review by supervisors
    "review.only_supervisors": "Only supervisors and admins can use this command.",
    "review.only_admins": "Only admins can unlock a report.",
    "review.flag_usage": (
        "Format: *flag <agency> <indicator> [period], <note>*\n"
        "Example: *flag RSUD BOR march, 112% is impossible*"
    ),
    "review.unknown_agency": "The agency in that message was not recognised. Example: *{example}*",
    "review.unknown_indicator": (
        "The {agency} indicator for {label} was not recognised. Options: {options}"
    ),
    "review.no_report": "{agency} has not submitted its {label} report.",
    "review.no_value": "{agency} has not filled in {indicator} for {label}.",
    "review.flagged": (
        "Flagged: {agency} • {indicator} • {label} = {value}. "
        "The note was sent to the {agency} operators ✔️"
    ),
    "review.prompt": (
        "⚠️ *Correction needed* — {label} report\n"
        "Indicator: {name} = *{value}*{limit}\n"
        'Supervisor\'s note: "{note}"\n'
        "Reply with the correct value, or type *keep* + a reason."
    ),
    "review.prompt_limit": " (max {limit})",
    "review.prompt_later": (
        "📌 A supervisor left a note on the {label} report ({indicator}). "
        "It is shown when you finish this report, or type *corrections*."
    ),
    "review.corrected": "{indicator} {label} changed: {old} → *{new}* ✔️ Status: *awaiting re-verification*.",
    "review.kept": (
        "{indicator} {label} kept ✔️ Your reason was sent to the supervisor. "
        "Status: *awaiting re-verification*."
    ),
    "review.later": "OK, the supervisor's note is still waiting. Type *corrections* at any time.",
    "review.to_supervisor_corrected": (
        "{agency} corrected {indicator} {label}: {old} → {new}. "
        "Reply *approve* or *reject* + a note."
    ),
    "review.to_supervisor_kept": (
        '{agency} kept {indicator} {label} = {value}: "{reason}". '
        "Reply *approve* or *reject* + a note."
    ),
    "review.nothing_waiting": "No correction is waiting for a decision.",
    "review.choose": "Several are waiting for a decision:\n{lines}\nReply e.g. *{example}*.",
    "review.approved": "Approved: {agency} • {indicator} • {label} ✔️",
    "review.approved_open": "This report still has {count} open notes.",
    "review.verified": "✅ The {agency} {label} report is *verified*.",
    "review.to_operator_verified": "✅ The {agency} {label} report is *verified*. Thank you 🙏",
    "review.rejected": "Sent back to the {agency} operators: {indicator} {label} ✔️",
    "review.not_verifiable": (
        "The {agency} {label} report cannot be verified yet; open notes: {items}. "
        "To accept a value as it is, reply e.g. *{example}*."
    ),
    "review.already_verified": "The {agency} {label} report is already verified.",
    "review.no_corrections": "No supervisor's note needs a correction. 👍",
    "review.unlocked": "🔓 The {agency} {label} report is open until {until}.",
    "review.to_operator_unlocked": (
        "🔓 An admin reopened the {label} report until {until}. Type *report {period}*."
    ),
    "review.correction_reason": "correction after the supervisor's note: {note}",
    "review.already_answered": "{name} has already answered this note. Thank you 🙏",
    "check.keep_which": "Which value do you keep? Name it, e.g. *{example}*.",
    "review.period_needed": "Name the period, e.g. *{example}*.",
    "review.locked": (
        "The {agency} {label} report is locked, so the operators cannot correct it. "
        "Ask an admin to unlock it first (*unlock {agency} {period}*), then flag it again."
    ),
    "review.not_locked": (
        "The {agency} {label} report is not locked; the operators can change it "
        "until {until}."
    ),
    "review.open_checks": (
        "No supervisor's note. These values still need a check:\n{lines}\n"
        "Type *{command}* to fix them or *keep* + a reason."
    ),
    # Unreachable numbers
    "unreachable.notice": (
        "⚠️ {name}'s WhatsApp number ({agency}, {phone}) cannot receive messages. "
        "Please ask for a number that is active on WhatsApp."
    ),
    "status.unreachable": "Numbers not active on WhatsApp: {names}",
    # Reminders after a snooze, escalation digests and daily summaries
    "reminder.snoozed": "🔔 Reminder: {periods} report of {agency}. Type *lapor*.",
    "escalation.title": "⚠️ *E-Monev: reports not yet sent*",
    "escalation.period": (
        "*{label}* (due {deadline}, {days} days late): {count} agencies missing"
    ),
    "escalation.agencies": "• {names}",
    "escalation.no_operator": "• No registered operator: {names}",
    "escalation.how": "Type *belum <period>* for details.",
    "summary.title": "📊 *E-Monev summary {date}*",
    "summary.period": (
        "*{label}* (due {deadline}): {reported} sent ({late} late), "
        "{missing} missing, {flags} flags waiting"
    ),
    "summary.none": "No period is open.",
    "summary.how": "Type *ringkasan harian mati* to stop.",
    # Opt-out, snooze, reminders on request, daily summary time (flows/preferences.py)
    "optout.done": (
        "OK, E-Monev reminders and automatic messages will no longer be sent to "
        "this number. Type *mulai* to receive them again. Commands such as "
        "*lapor* still work."
    ),
    "optout.stop_hint": "To stop receiving automatic reminders, type *berhenti*.",
    "optin.done": (
        "OK, E-Monev reminders are on again for this number ✅ "
        "Type *berhenti* to stop them."
    ),
    "optin.already": (
        "E-Monev reminders are already on for this number. Type *berhenti* to stop them."
    ),
    "snooze.today": "Sure 👍 I will remind you again at {time}.",
    "snooze.tomorrow": "Sure 👍 I will remind you again tomorrow at {time}.",
    "snooze.date": "Sure 👍 I will remind you again on {date} at {time}.",
    "remind.confirm": "Send a reminder to the {count} agencies above? (yes/no)",
    "remind.cancelled": "OK, no reminder was sent.",
    "remind.sent": "✅ Reminder sent to {count} numbers ({agencies}).",
    "remind.none_sent": "No reminder was sent.",
    "remind.no_operator": "⚠️ {count} agencies have no registered operator: {names}.",
    "remind.already": "ℹ️ Already reminded of this period today: {names}.",
    "remind.held": "⚠️ Not sent to {count} numbers: {names}.",
    "remind.reason.opted_out": "opted out of reminders",
    "remind.reason.unreachable": "number not active on WhatsApp",
    "remind.reason.no_consent": "no consent to messages recorded",
    "remind.reason.busy": "filling in a report",
    "remind.reason.cap": "daily message limit reached",
    "remind.reason.other": "held back",
    "remind.quiet": (
        "It is quiet hours now ({start}–{end}); no reminder was sent. "
        "Please try again after {end}."
    ),
    "remind.day_off": "Today is a day off; no reminder was sent.",
    "daily_summary.set": (
        "✅ The daily summary is sent every day at {time}. "
        "Type *ringkasan harian mati* to stop it."
    ),
    "daily_summary.off": "The daily summary is off.",
    "daily_summary.current": (
        "The daily summary is sent every day at {time}. "
        "Type *ringkasan harian mati* to stop it."
    ),
    "daily_summary.usage": (
        "Example: *ringkasan harian 07:30* to get a summary every morning, "
        "or *ringkasan harian mati*."
    ),
    "status.review_counts": "Verified: {verified} • Needs correction: {needs_correction}",
    "status.review": "Status: {state}.",
    "status.review.submitted": "awaiting verification",
    "status.review.needs_correction": "needs correction",
    "status.review.corrected": "awaiting verification again",
    "status.review.verified": "verified",
    "status.opted_out": "Not receiving reminders: {names}",
    "status.opted_out_item": "{name} since {since}",
    "status.opted_out_count": "Operators not receiving reminders: {count}",
    # Reminders
    "reminder.title": "🔔 *E-Monev reminder*",
    "reminder.agency": "Reports of {agency} not yet sent:",
    "reminder.period": "• *{label}*: due *{deadline}* ({when}), {missing}.",
    "reminder.how": "Type *lapor* to start.",
    "reminder.tomorrow": "tomorrow",
    "reminder.today": "today",
    "reminder.days_left": "in {days} days",
    "reminder.days_late": "{days} days late",
    "reminder.not_started": "not started ({total} questions)",
    "reminder.draft": "draft, {filled} of {total} filled in",
    "status.last_reminded": "Operators last reminded: {when}.",
    "answer.replaces_colleague": "ℹ️ This replaces the answer of {name}: {old}.",
    # Findings of the plausibility rules of rules.csv (bot/checks.py)
    "check.monotonic": (
        "*{label} {value}* is less than the cumulative figure of {previous_period} "
        "({previous}). Report the *cumulative* total up to the end of the period."
    ),
    "check.jump_up": "*{label} {value}* is up {change} on {previous_period} ({previous}).",
    "check.jump_down": "*{label} {value}* is down {change} on {previous_period} ({previous}).",
    "check.spread": (
        "*{label} {value}* is far from usual: the mean of the previous {count} periods "
        "is {mean} (lowest {low}, highest {high})."
    ),
    "check.range_high": "*{label} {value}* is above {limit}.",
    "check.range_low": "*{label} {value}* is below {limit}.",
    "check.ceiling": "*{label} {value}* exceeds {other} {limit}.",
    "check.ceiling_share": (
        "*{label} {value}* exceeds {share} of {other} {other_value} ({limit})."
    ),
    "check.budget": "the budget ceiling",
    "check.gap": (
        "*{label} {value}* is far above {other} {other_value} "
        "(a gap of {difference} points)."
    ),
    "check.product": (
        "*{label} {value}* is far from {expression} = {product} ({difference} apart)."
    ),
    # Dashboard sign-in code (bot/web/signin.py), sent by WhatsApp on request
    "signin.code": (
        "Your E-Monev dashboard sign-in code: *{code}*\n"
        "It is valid for {minutes} minutes and works once. "
        "Do not share this code with anyone."
    ),
}
