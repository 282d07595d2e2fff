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
        "Perintah lain: *status*, *kembali*, *lewati*, *batal*, *lanjut*, *bantuan*."
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
    "status.no_agency": "Nomor ini belum terhubung ke OPD mana pun.",
    "deadline.one": "Batas laporan *{label}*: *{deadline}*.",
    "deadline.line": "• {label}: {deadline}",
    "deadline.list": "Batas laporan terdekat:\n{lines}",
    "deadline.none": "Belum ada batas laporan berikutnya.",
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
        "• *status dinkes* atau *status dinkes maret*: isi laporan satu OPD\n"
        "• *belum* atau *belum tw 1*: OPD yang belum lapor\n"
        "• *batas tw 2*: batas laporan"
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
}
