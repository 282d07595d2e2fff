"""Indonesian texts. WhatsApp markup: *bold*, _italic_."""

TEXTS = {
    # Webhook
    "unregistered": (
        "Mohon maaf, nomor ini belum terdaftar di E-Monev. "
        "Silakan hubungi {contact} untuk didaftarkan. 🙏"
    ),
    "inactive": (
        "Nomor ini sudah tidak aktif di E-Monev. Silakan hubungi {contact}."
    ),
    "media_only": (
        "Maaf, saya hanya bisa membaca pesan teks. Silakan ketik jawabannya. 🙏"
    ),
    "error.retry": (
        "Maaf, ada gangguan saat memproses pesan ini. Isian sebelumnya aman. "
        "Silakan kirim ulang sebentar lagi."
    ),
    # Menu and help
    "greeting.salam": "Waalaikumsalam, {name}",
    "greeting.pagi": "Selamat pagi, {name}",
    "greeting.siang": "Selamat siang, {name}",
    "greeting.sore": "Selamat sore, {name}",
    "greeting.malam": "Selamat malam, {name}",
    "greeting.hello": "Halo, {name}",
    "menu.operator": (
        "Menu E-Monev:\n"
        "1. Lapor realisasi bulanan\n"
        "2. Lapor indikator triwulan\n"
        "3. Cek status laporan\n"
        "4. Bantuan\n"
        "Balas dengan angka menu, atau ketik langsung mis. *lapor maret*."
    ),
    "menu.supervisor": (
        "Menu E-Monev:\n"
        "1. Rekap status periode terakhir\n"
        "2. OPD yang belum lapor\n"
        "3. Batas laporan terdekat\n"
        "4. Bantuan\n"
        "Contoh: *status maret*, *status dinkes*, *belum tw 1*."
    ),
    "menu.did_you_mean": "Maksudnya *{command}*? (ya/tidak)",
    "help": (
        "Cara lapor:\n"
        "1. Ketik *lapor* → pilih periode (mis. *lapor maret*, *lapor tw 1*).\n"
        "2. Jawab pertanyaan satu per satu. Angka boleh pakai titik/koma: "
        "1.250.000 atau 1,25 jt.\n"
        "3. Cek ringkasan → balas *ya* untuk kirim.\n"
        "Bisa juga sekaligus: *keuangan maret 1,9 M fisik 15*.\n"
        "Perintah lain: *status*, *kembali*, *lewati*, *batal*, *lanjut*, "
        "*perbaikan*, *bantuan*.\n"
        "*berhenti* menghentikan pengingat; *mulai* mengaktifkannya lagi."
    ),
    "thanks": "Sama-sama 🙏",
    "nothing_in_progress": (
        "Tidak ada pengisian yang sedang berjalan. Ketik *lapor* untuk mulai."
    ),
    # Periods
    "period.quarter": "Triwulan {roman} {year}",
    "period.year": "Tahun {year}",
    "period.unknown": (
        "Periode itu tidak ditemukan. Contoh: *maret*, *tw 1*, *tahunan*."
    ),
    # Reporting
    "report.not_operator": (
        "Pengisian laporan dilakukan oleh operator OPD. "
        "Ketik *status* untuk melihat rekap."
    ),
    "report.nothing_to_report": "Tidak ada indikator yang perlu dilaporkan untuk {period}.",
    "report.no_open_periods": (
        "Semua laporan yang jatuh tempo sudah dikirim. Terima kasih! 🙏 "
        "Untuk mengubah laporan, ketik mis. *lapor maret*."
    ),
    "report.period_option": "{number}. {label} (batas {deadline})",
    "report.choose_period": "Laporan mana yang mau diisi?\n{options}\nBalas dengan angkanya.",
    "report.choose_again": "Balas dengan angka 1 sampai {count}, atau *batal*.",
    "report.cancelled_choice": "Baik, tidak jadi. Ketik *lapor* kapan saja.",
    "report.header": "Laporan *{label}* — {agency} (batas: {deadline}).",
    "report.resumed": "Melanjutkan draf *{label}* — {agency} (batas: {deadline}).",
    "report.reopened": (
        "Laporan *{label}* — {agency} sudah dikirim. "
        "Balas nomor untuk mengubah jawaban, lalu *ya* untuk kirim ulang."
    ),
    "report.budget": "Pagu {agency} {year}: {ceiling}.",
    "report.skipped_back": "Ada pertanyaan wajib yang tadi dilewati:",
    "report.back": "Kembali ke pertanyaan sebelumnya (jawaban sekarang: {value}).",
    "report.back_at_start": "Ini pertanyaan pertama.",
    "report.help": (
        "Ketik jawabannya, atau: *lewati* (isi nanti), *kembali* (pertanyaan "
        "sebelumnya), *batal* (simpan draf dan keluar)."
    ),
    "report.cancelled": (
        "Oke, pengisian dihentikan. Isian sejauh ini disimpan sebagai *draf* "
        "(belum dikirim). Ketik *lanjut* untuk meneruskan."
    ),
    "report.offer_next": (
        "Masih ada laporan *{label}* (batas {deadline}). Lanjut isi sekarang? (ya/tidak)"
    ),
    "report.later": "Baik. Ketik *lapor* kapan saja untuk mengisi. 🙏",
    "question": "{number}/{total} — {name}?{hint}",
    "question.optional_text": " (ketik *-* kalau tidak ada)",
    "question.currency_hint": " (contoh: 18.250.500.000 atau 18,25 M)",
    "example.currency": "18.250.500.000 atau 18,25 M",
    # Answers
    "answer.bounds_hint": " (batas {bounds})",
    "answer.ok": "✔️ {value}{extra}",
    "answer.share_of_budget": " ({share} dari pagu)",
    "answer.changed": "{name} diubah: {old} → *{new}* ✔️",
    "answer.skipped": "Dilewati ⏭️",
    "answer.skipped_required": (
        "Dilewati ⏭️ (wajib diisi, paling lambat {deadline}; akan ditanyakan "
        "lagi sebelum ringkasan)."
    ),
    "answer.not_a_number": '❌ "{raw}" bukan angka. Ketik ulang, contoh: {example}',
    "answer.letter_o": (
        '❌ "{raw}" bukan angka (ada huruf O?). Ketik ulang, contoh: {example}'
    ),
    "answer.malformed": (
        '❌ "{raw}" tidak terbaca: titik pemisah ribuan harus tiap 3 angka. '
        "Ketik ulang, contoh: {example}"
    ),
    "answer.several_numbers": (
        "❌ Ada lebih dari satu angka. Kirim satu angka saja, contoh: {example}"
    ),
    "answer.not_integer": "❌ Harus bilangan bulat. Ketik ulang, contoh: {example}",
    "answer.out_of_bounds": (
        "❌ {value} di luar batas ({bounds}). Ketik ulang, contoh: {example}"
    ),
    "answer.ambiguous": (
        "⚠️ Maksud Bapak/Ibu 1. *{decimal}* atau 2. *{thousands}*? "
        "(batas wajar {bounds}) Balas 1 atau 2, atau ketik ulang angkanya."
    ),
    "answer.unknown_choice": "❌ Pilihan tidak dikenali. Balas angka atau katanya:\n{options}",
    "answer.empty_text": "❌ Pertanyaan ini wajib diisi. Silakan ketik jawabannya.",
    "value.empty": "_(belum diisi)_",
    "value.none": "tidak ada",
    # Summary and receipt
    "summary": (
        "*Ringkasan {label} — {agency}*\n{lines}\n"
        "Kirim laporan ini? (ya/tidak) Balas nomor untuk mengubah."
    ),
    "summary.bad_number": "Nomor itu tidak ada. Balas nomor 1 sampai {count}, atau *ya* untuk kirim.",
    "summary.unclear": (
        "Balas *ya* untuk kirim, nomor untuk mengubah jawaban, atau *batal*."
    ),
    "summary.not_sent": (
        "Baik, belum dikirim. Balas nomor untuk mengubah, *ya* untuk kirim, "
        "atau *batal* untuk simpan draf."
    ),
    "summary.missing": "Belum bisa dikirim, yang wajib belum diisi: {names}. Balas nomornya.",
    "receipt": "✅ Terkirim. No. tanda terima: {receipt}.\n{timing}",
    "receipt.on_time": "*Tepat waktu* (batas {deadline}).",
    "receipt.late": "*Terlambat* (batas {deadline}).",
    "notice.submitted": "ℹ️ Laporan {label} {agency} sudah dikirim oleh {name}.",
    "notice.resubmitted": "ℹ️ Laporan {label} {agency} diubah dan dikirim ulang oleh {name}.",
    # Status
    "status.period": (
        "*{label}* (batas {deadline})\n"
        "Sudah lapor: {submitted} dari {total} • Tepat waktu: {on_time} • "
        "Terlambat: {late}"
    ),
    "status.missing": "*Belum lapor ({count}):* {names}",
    "status.none_missing": "Semua OPD sudah lapor. ✅",
    "status.agency_none": "*{agency} — {label}*: belum ada isian (batas {deadline}).",
    "status.agency_draft": (
        "*{agency} — {label}*: *draf*, belum dikirim ({filled} dari {total} terisi).\n"
        "{lines}"
    ),
    "status.agency_submitted": (
        "*{agency} — {label}*: terkirim {when} oleh {by} • {timing}\n{lines}"
    ),
    "status.on_time": "tepat waktu",
    "status.late": "terlambat",
    "status.own_agency_only": "Anda hanya dapat melihat laporan {agency}.",
    "status.no_agency": (
        "Nomor ini belum terhubung ke OPD mana pun, jadi belum ada data yang bisa "
        "ditampilkan. Silakan hubungi {contact}."
    ),
    "deadline.one": "Batas laporan *{label}*: *{deadline}*.",
    "deadline.line": "• {label}: {deadline}",
    "deadline.list": "Batas laporan terdekat:\n{lines}",
    "deadline.none": "Belum ada batas laporan berikutnya.",
    # Comparisons with the previous period (flows/status.py, flows/insight.py)
    "compare.previous": " ({period} {value}, {change})",
    "compare.change": " ({change})",
    "compare.unchanged": "tetap",
    "compare.points": "{value} poin",
    "compare.quarter": "TW {roman}",
    # Questions across agencies: rekap, peringkat, telat (flows/insight.py)
    "insight.recap_title": "*Rekap {indicator} — {label}*\n{name}",
    "insight.changes_from": "Dalam kurung: perubahan dari {label}.",
    "insight.value_line": "• {agency}: {value}{change}",
    "insight.count": "Sudah ada nilai: {reported} dari {expected} OPD",
    "insight.spread": (
        "Terendah: {low} ({low_names}) • Median: {median}{median_change} • "
        "Tertinggi: {high} ({high_names})"
    ),
    "insight.more_names": "{names} dan {count} lainnya",
    "insight.no_values": "Belum ada nilai {indicator} untuk {label}.",
    "insight.without_value": "*Belum ada nilai ({count}):* {names}",
    "insight.choice_line": "• {choice} ({count}{before}): {names}",
    "insight.choice_before": ", {period}: {count}",
    "insight.end_of": "{label} (akhir {whole})",
    "insight.periodicity": "{indicator} dilaporkan {periodicity}. Contoh: *{example}*.",
    "insight.periodicity.monthly": "bulanan",
    "insight.periodicity.quarterly": "per triwulan",
    "insight.periodicity.annual": "tahunan",
    "insight.unknown_indicator": (
        'Indikator "{text}" tidak dikenali. Mungkin maksudnya: {options}? '
        "Contoh: *rekap bor maret*."
    ),
    "insight.unknown_indicator_none": (
        'Indikator "{text}" tidak dikenali. Tulis nama atau kode indikatornya, '
        "contoh: *rekap bor maret*, *peringkat fisik*."
    ),
    "insight.not_applicable": "{indicator} tidak dilaporkan oleh {agency}.",
    "insight.own_value": "*{agency} — {indicator} {label}*: {value}{change}",
    "insight.own_none": "*{agency} — {indicator} {label}*: belum ada nilai.",
    "insight.ranking_title": "*Peringkat {measure} — {label}*",
    "insight.measure_budget": "{indicator} (% pagu)",
    "insight.rank_line": "{rank}. {agency}: {value}{change}",
    "insight.ranking_none": "Belum ada OPD yang bisa diperingkat untuk {label}.",
    "insight.no_budget_list": "*Belum ada pagu {year} ({count}):* {names}",
    "insight.no_budget_indicator": (
        "Peringkat realisasi belum bisa dibuat karena belum ada indikator keuangan "
        "yang dibandingkan dengan pagu. Sebutkan indikatornya, mis. *peringkat fisik*."
    ),
    "insight.not_numeric": (
        "{indicator} bukan angka, jadi tidak bisa diperingkat. Coba *rekap {example}*."
    ),
    "insight.own_rank": (
        "*{agency} — {measure} {label}*: peringkat {rank} dari {count} OPD • "
        "{value}{change}"
    ),
    "insight.own_no_budget": (
        "*{agency}*: belum ada pagu {year}, jadi belum bisa diperingkat."
    ),
    "insight.late_not_due": (
        "Batas *{label}* baru {deadline}, jadi "
        "belum ada yang terlambat."
    ),
    "insight.late_header": "*Lapor terlambat ({count}):*",
    "insight.late_line": "• {agency}: {days} hari (terkirim {when})",
    "insight.late_none": "Tidak ada yang lapor terlambat. 👍",
    "insight.overdue": "*Belum lapor, sudah lewat {days} hari ({count}):* {names}",
    "insight.own_on_time": (
        "*{agency} — {label}*: lapor tepat waktu "
        "(terkirim {when}). 👍"
    ),
    "insight.own_late": (
        "*{agency} — {label}*: lapor terlambat "
        "{days} hari (terkirim {when})."
    ),
    "insight.own_overdue": (
        "*{agency} — {label}*: belum lapor, sudah lewat {days} hari dari batas "
        "{deadline}. Ketik *lapor* untuk mengisi."
    ),
    "insight.own_overdue_locked": (
        "*{agency} — {label}*: belum lapor, sudah lewat {days} hari dari batas "
        "{deadline}."
    ),
    "insight.own_not_due": "*{agency} — {label}*: belum lapor (batas {deadline}).",
    # Added checks and replies
    "report.not_open_yet": (
        "Laporan *{label}* belum bisa diisi; pengisian dibuka mulai {opens}."
    ),
    "report.more_periods": (
        "Ada {count} periode lain; ketik mis. *lapor januari* atau *lapor tw 1*."
    ),
    "report.paused": "Pengisian {label} dijeda; isian tersimpan (ketik *lanjut*).",
    "report.cancelled_submitted": (
        "Oke, keluar. Laporan ini tetap berstatus *terkirim*; jawaban yang sudah "
        "diubah tersimpan. Ketik *lapor* lagi untuk mengirim ulang."
    ),
    "empty_message": "Pesannya kosong. Silakan ketik jawabannya.",
    "media_ignored": "(Lampiran tidak dibaca; hanya teks yang diproses.)",
    "status.unknown_target": (
        '"{text}" tidak dikenali sebagai OPD atau periode. '
        "Contoh: *status maret*, *status dinkes*, *status tw 1*."
    ),
    "status.late_list": "*Terlambat ({count}):* {names}",
    "help.supervisor": (
        "Perintah untuk verifikator:\n"
        "• *status* atau *status maret*: rekap satu periode\n"
        "• *status dinkes* atau *laporan rsud maret*: isi laporan satu OPD\n"
        "• *belum* atau *belum tw 1*: OPD yang belum lapor\n"
        "• *telat* atau *telat maret*: OPD yang terlambat, berapa hari\n"
        "• *rekap bor maret*: satu indikator di semua OPD, dengan terendah, median "
        "dan tertinggi\n"
        "• *peringkat realisasi* atau *peringkat fisik*: urutan OPD\n"
        "• *batas tw 2*: batas laporan\n"
        "• *tandai rsud bor maret, <catatan>*: minta operator memperbaiki satu nilai\n"
        "• *setuju* atau *tolak <catatan>*: putuskan perbaikan operator\n"
        "• *verifikasi rsud maret*: verifikasi laporan tanpa catatan terbuka\n"
        "• *buka rsud maret* (admin): buka laporan yang sudah dikunci\n"
        "• *kirim pengingat ke yg belum*: ingatkan OPD yang belum lapor\n"
        "• *ringkasan harian 07:30* atau *ringkasan harian mati*: ringkasan harian"
    ),
    "answer.currency_fraction": (
        '❌ "{raw}" bukan jumlah rupiah utuh. Tulis lengkap atau pakai jt/M, '
        "contoh: {example}"
    ),
    "answer.unit_mismatch": (
        "❌ Pertanyaan ini dalam satuan *{expected}*, bukan {given}. "
        "Kirim angkanya dalam {expected}, contoh: {example}"
    ),
    "answer.unknown_scale": (
        '❌ Satuan di "{raw}" tidak dikenali. Pakai rb, jt, M (miliar) atau T, '
        "contoh: {example}"
    ),
    "answer.too_large": '❌ "{raw}" terlalu besar untuk disimpan. Ketik ulang, contoh: {example}',
    # Checks of stored values
    "check.warning": "⚠️ Ada yang perlu dicek:\n{lines}\n{ask}",
    "check.ask": "Mohon kirim nilai yang benar, atau ketik *tetap* + alasan bila nilainya memang benar.",
    "check.ask_value": "Mohon kirim nilai yang benar.",
    "check.hard_high": "*{label} {value}* melebihi {limit}.",
    "check.hard_low": "*{label} {value}* kurang dari {limit}.",
    "check.invalid": "*{label}*: {error}",
    "check.still": "Masih perlu dicek:\n{lines}\n{ask}",
    "check.which": "Nilai untuk yang mana? Tulis namanya dan angkanya, mis. *{example}*.",
    "check.reason_needed": "Mohon tulis alasannya, mis. *tetap ada pembayaran termin besar*.",
    "check.kept": "Baik, nilai dipertahankan dengan alasan: _{reason}_ ✔️",
    "check.offer_sum": (
        "Baik. Kumulatif s.d. {label} = {previous} + {value} = *{total}*. Betul? (ya/tidak)"
    ),
    "check.sum_reason": "nilai bulanan dijumlahkan dengan kumulatif {label}",
    "check.no_previous": (
        "Belum ada kumulatif periode sebelumnya untuk dijumlahkan. Mohon kirim "
        "nilai *kumulatif* s.d. akhir bulan."
    ),
    "check.send_cumulative": "Baik, mohon kirim nilai *kumulatif* yang benar.",
    "check.ok_item": "{label} {value} ✔️",
    "check.left_open": (
        "Catatan pengecekan tetap terbuka; bisa diperbaiki nanti lewat *lapor*."
    ),
    "check.help": (
        "Kirim nilai yang benar (mis. *{example}*), atau *tetap* + alasan, atau "
        "*lewati* untuk melanjutkan dulu."
    ),
    "check.which_period": (
        "Untuk laporan periode mana? Tulis bulannya, mis. *{example}*."
    ),
    "check.nothing_found": "Tidak ada indikator yang dikenali di pesan itu.",
    "summary.flagged": " ⚠️",
    "report.locked": (
        "🔒 Laporan *{label}* sudah dikunci sejak {since}. Untuk mengubahnya, "
        "minta admin membuka kunci (mis. *buka {agency} {period}*)."
    ),
    # Review by supervisors
    "review.only_supervisors": "Perintah ini khusus verifikator dan admin.",
    "review.only_admins": "Membuka kunci laporan khusus admin.",
    "review.flag_usage": (
        "Format: *tandai <OPD> <indikator> [periode], <catatan>*\n"
        "Contoh: *tandai RSUD BOR maret, 112% tdk mungkin*"
    ),
    "review.unknown_agency": "OPD di pesan itu tidak dikenali. Contoh: *{example}*",
    "review.unknown_indicator": (
        "Indikator {agency} untuk {label} tidak dikenali. Pilihan: {options}"
    ),
    "review.no_report": "{agency} belum mengirim laporan {label}.",
    "review.no_value": "{agency} belum mengisi {indicator} untuk {label}.",
    "review.flagged": (
        "Ditandai: {agency} • {indicator} • {label} = {value}. "
        "Catatan dikirim ke operator {agency} ✔️"
    ),
    "review.prompt": (
        "⚠️ *Perlu perbaikan* — laporan {label}\n"
        "Indikator: {name} = *{value}*{limit}\n"
        'Catatan verifikator: "{note}"\n'
        "Balas nilai yang benar, atau ketik *tetap* + alasan."
    ),
    "review.prompt_limit": " (maks {limit})",
    "review.prompt_later": (
        "📌 Verifikator memberi catatan pada laporan {label} ({indicator}). "
        "Catatan ditampilkan setelah pengisian ini selesai, atau ketik *perbaikan*."
    ),
    "review.corrected": "{indicator} {label} diubah: {old} → *{new}* ✔️ Status: *menunggu verifikasi ulang*.",
    "review.kept": (
        "Nilai {indicator} {label} dipertahankan ✔️ Alasan dikirim ke verifikator. "
        "Status: *menunggu verifikasi ulang*."
    ),
    "review.later": "Baik, catatan verifikator tetap menunggu. Ketik *perbaikan* kapan saja.",
    "review.to_supervisor_corrected": (
        "{agency} sudah memperbaiki {indicator} {label}: {old} → {new}. "
        "Balas *setuju* atau *tolak* + catatan."
    ),
    "review.to_supervisor_kept": (
        '{agency} mempertahankan {indicator} {label} = {value}: "{reason}". '
        "Balas *setuju* atau *tolak* + catatan."
    ),
    "review.nothing_waiting": "Tidak ada perbaikan yang menunggu keputusan.",
    "review.choose": "Ada beberapa yang menunggu keputusan:\n{lines}\nBalas mis. *{example}*.",
    "review.approved": "Disetujui: {agency} • {indicator} • {label} ✔️",
    "review.approved_open": "Masih ada {count} catatan terbuka di laporan ini.",
    "review.verified": "✅ Laporan {agency} {label} *terverifikasi*.",
    "review.to_operator_verified": "✅ Laporan {agency} {label} sudah *terverifikasi*. Terima kasih 🙏",
    "review.rejected": "Dikembalikan ke operator {agency}: {indicator} {label} ✔️",
    "review.not_verifiable": (
        "Laporan {agency} {label} belum bisa diverifikasi; masih ada catatan: {items}. "
        "Untuk menerima nilainya apa adanya, balas mis. *{example}*."
    ),
    "review.already_verified": "Laporan {agency} {label} sudah terverifikasi.",
    "review.no_corrections": "Tidak ada catatan verifikator yang perlu diperbaiki. 👍",
    "review.unlocked": "🔓 Laporan {agency} {label} dibuka sampai {until}.",
    "review.to_operator_unlocked": (
        "🔓 Laporan {label} dibuka kembali oleh admin sampai {until}. Ketik *lapor {period}*."
    ),
    "review.correction_reason": "koreksi atas catatan verifikator: {note}",
    "review.already_answered": "Catatan ini sudah dijawab oleh {name}. Terima kasih 🙏",
    "check.keep_which": "Nilai mana yang dipertahankan? Tulis namanya, mis. *{example}*.",
    "review.period_needed": "Sebutkan periodenya, mis. *{example}*.",
    "review.locked": (
        "Laporan {agency} {label} sudah dikunci, jadi operator tidak bisa memperbaikinya. "
        "Minta admin membuka dulu (*buka {agency} {period}*), lalu tandai lagi."
    ),
    "review.not_locked": (
        "Laporan {agency} {label} belum dikunci; operator masih bisa mengubahnya "
        "sampai {until}."
    ),
    "review.open_checks": (
        "Tidak ada catatan verifikator. Nilai ini masih perlu dicek:\n{lines}\n"
        "Ketik *{command}* untuk memperbaiki atau *tetap* + alasan."
    ),
    # Unreachable numbers
    "unreachable.notice": (
        "⚠️ Nomor WhatsApp {name} ({agency}, {phone}) tidak dapat menerima pesan. "
        "Mohon minta nomor yang aktif di WhatsApp."
    ),
    "status.unreachable": "Nomor tidak aktif di WhatsApp: {names}",
    # Reminders after a snooze, escalation digests and daily summaries
    "reminder.snoozed": "🔔 Pengingat: laporan {periods} {agency}. Ketik *lapor*.",
    "escalation.title": "⚠️ *E-Monev: laporan yang belum masuk*",
    "escalation.period": (
        "*{label}* (batas {deadline}, terlambat {days} hari): {count} OPD belum lapor"
    ),
    "escalation.agencies": "• {names}",
    "escalation.no_operator": "• Belum ada operator terdaftar: {names}",
    "escalation.how": "Ketik *belum <periode>* untuk rinciannya.",
    "summary.title": "📊 *Ringkasan E-Monev {date}*",
    "summary.period": (
        "*{label}* (batas {deadline}): {reported} masuk ({late} terlambat), "
        "{missing} belum, {flags} catatan menunggu"
    ),
    "summary.none": "Tidak ada periode yang terbuka.",
    "summary.how": "Ketik *ringkasan harian mati* untuk berhenti.",
    # Opt-out, snooze, reminders on request, daily summary time (flows/preferences.py)
    "optout.done": (
        "Baik, pengingat dan pesan otomatis E-Monev tidak dikirim lagi ke nomor ini. "
        "Ketik *mulai* untuk menerimanya lagi. Perintah seperti *lapor* tetap bisa dipakai."
    ),
    "optout.stop_hint": "Untuk berhenti menerima pengingat otomatis, ketik *berhenti*.",
    "optin.done": (
        "Baik, pengingat E-Monev aktif lagi untuk nomor ini ✅ "
        "Ketik *berhenti* untuk menghentikannya."
    ),
    "optin.already": (
        "Pengingat E-Monev sudah aktif untuk nomor ini. Ketik *berhenti* untuk "
        "menghentikannya."
    ),
    "snooze.today": "Siap 👍 Saya ingatkan lagi pukul {time} ya.",
    "snooze.tomorrow": "Siap 👍 Saya ingatkan lagi besok pukul {time} ya.",
    "snooze.date": "Siap 👍 Saya ingatkan lagi {date} pukul {time} ya.",
    "remind.confirm": "Kirim pengingat ke {count} OPD di atas? (ya/tidak)",
    "remind.cancelled": "Baik, pengingat tidak dikirim.",
    "remind.sent": "✅ Pengingat terkirim ke {count} nomor ({agencies}).",
    "remind.none_sent": "Tidak ada pengingat yang terkirim.",
    "remind.no_operator": "⚠️ {count} OPD belum punya operator terdaftar: {names}.",
    "remind.already": "ℹ️ Sudah diingatkan hari ini untuk periode ini: {names}.",
    "remind.held": "⚠️ Tidak dikirim ke {count} nomor: {names}.",
    "remind.reason.opted_out": "berhenti menerima pengingat",
    "remind.reason.unreachable": "nomor tidak aktif di WhatsApp",
    "remind.reason.no_consent": "belum memberi persetujuan menerima pesan",
    "remind.reason.busy": "sedang mengisi laporan",
    "remind.reason.cap": "batas pesan harian tercapai",
    "remind.reason.other": "ditahan",
    "remind.quiet": (
        "Sekarang jam tenang ({start}–{end}); pengingat tidak dikirim. "
        "Silakan ulangi setelah pukul {end}."
    ),
    "remind.day_off": "Hari ini hari libur; pengingat tidak dikirim.",
    "daily_summary.set": (
        "✅ Ringkasan harian dikirim setiap hari pukul {time}. "
        "Ketik *ringkasan harian mati* untuk menghentikan."
    ),
    "daily_summary.off": "Ringkasan harian dimatikan.",
    "daily_summary.current": (
        "Ringkasan harian dikirim setiap hari pukul {time}. "
        "Ketik *ringkasan harian mati* untuk menghentikan."
    ),
    "daily_summary.usage": (
        "Contoh: *ringkasan harian 07:30* untuk menerima ringkasan setiap pagi, "
        "atau *ringkasan harian mati*."
    ),
    "status.review_counts": "Terverifikasi: {verified} • Perlu perbaikan: {needs_correction}",
    "status.review": "Status: {state}.",
    "status.review.submitted": "menunggu verifikasi",
    "status.review.needs_correction": "perlu perbaikan",
    "status.review.corrected": "menunggu verifikasi ulang",
    "status.review.verified": "terverifikasi",
    "status.opted_out": "Tidak menerima pengingat: {names}",
    "status.opted_out_item": "{name} sejak {since}",
    "status.opted_out_count": "Tidak menerima pengingat: {count} operator",
    # Reminders
    "reminder.title": "🔔 *Pengingat E-Monev*",
    "reminder.agency": "Laporan {agency} yang belum masuk:",
    "reminder.period": "• *{label}*: batas *{deadline}* ({when}), {missing}.",
    "reminder.how": "Ketik *lapor* untuk mulai.",
    "reminder.tomorrow": "besok",
    "reminder.today": "hari ini",
    "reminder.days_left": "{days} hari lagi",
    "reminder.days_late": "terlambat {days} hari",
    "reminder.not_started": "belum diisi ({total} pertanyaan)",
    "reminder.draft": "draf, {filled} dari {total} terisi",
    "status.last_reminded": "Pengingat terakhir ke operator: {when}.",
    "answer.replaces_colleague": "ℹ️ Menggantikan jawaban {name}: {old}.",
    # Findings of the plausibility rules of rules.csv (bot/checks.py)
    "check.monotonic": (
        "*{label} {value}* lebih kecil dari kumulatif {previous_period} ({previous}). "
        "Realisasi diisi *kumulatif* s.d. akhir periode."
    ),
    "check.jump_up": "*{label} {value}* naik {change} dari {previous_period} ({previous}).",
    "check.jump_down": "*{label} {value}* turun {change} dari {previous_period} ({previous}).",
    "check.spread": (
        "*{label} {value}* jauh dari biasanya: rata-rata {count} periode sebelumnya "
        "{mean} (terendah {low}, tertinggi {high})."
    ),
    "check.range_high": "*{label} {value}* melebihi {limit}.",
    "check.range_low": "*{label} {value}* di bawah {limit}.",
    "check.ceiling": "*{label} {value}* melebihi {other} {limit}.",
    "check.ceiling_share": (
        "*{label} {value}* melebihi {share} dari {other} {other_value} ({limit})."
    ),
    "check.budget": "pagu",
    "check.gap": (
        "*{label} {value}* jauh di atas {other} {other_value} (selisih {difference} poin)."
    ),
    "check.product": (
        "*{label} {value}* jauh dari {expression} = {product} (selisih {difference})."
    ),
    # Dashboard sign-in code (bot/web/signin.py), sent by WhatsApp on request
    "signin.code": (
        "Kode masuk dasbor E-Monev: *{code}*\n"
        "Berlaku {minutes} menit dan hanya sekali pakai. "
        "Jangan berikan kode ini kepada siapa pun."
    ),
}
