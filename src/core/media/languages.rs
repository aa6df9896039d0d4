//! ISO 639-1 languages: the two capital letters X takes for a caption
//! track's `language_code`, and each language's English name.

/// Every ISO 639-1 code with its English name, in code order.
#[rustfmt::skip]
pub const LANGUAGES: &[(&str, &str)] = &[
    ("AA", "Afar"), ("AB", "Abkhazian"), ("AE", "Avestan"), ("AF", "Afrikaans"),
    ("AK", "Akan"), ("AM", "Amharic"), ("AN", "Aragonese"), ("AR", "Arabic"),
    ("AS", "Assamese"), ("AV", "Avaric"), ("AY", "Aymara"), ("AZ", "Azerbaijani"),
    ("BA", "Bashkir"), ("BE", "Belarusian"), ("BG", "Bulgarian"), ("BI", "Bislama"),
    ("BM", "Bambara"), ("BN", "Bengali"), ("BO", "Tibetan"), ("BR", "Breton"),
    ("BS", "Bosnian"), ("CA", "Catalan"), ("CE", "Chechen"), ("CH", "Chamorro"),
    ("CO", "Corsican"), ("CR", "Cree"), ("CS", "Czech"), ("CU", "Church Slavic"),
    ("CV", "Chuvash"), ("CY", "Welsh"), ("DA", "Danish"), ("DE", "German"),
    ("DV", "Divehi"), ("DZ", "Dzongkha"), ("EE", "Ewe"), ("EL", "Greek"),
    ("EN", "English"), ("EO", "Esperanto"), ("ES", "Spanish"), ("ET", "Estonian"),
    ("EU", "Basque"), ("FA", "Persian"), ("FF", "Fulah"), ("FI", "Finnish"),
    ("FJ", "Fijian"), ("FO", "Faroese"), ("FR", "French"), ("FY", "Western Frisian"),
    ("GA", "Irish"), ("GD", "Scottish Gaelic"), ("GL", "Galician"), ("GN", "Guarani"),
    ("GU", "Gujarati"), ("GV", "Manx"), ("HA", "Hausa"), ("HE", "Hebrew"),
    ("HI", "Hindi"), ("HO", "Hiri Motu"), ("HR", "Croatian"), ("HT", "Haitian Creole"),
    ("HU", "Hungarian"), ("HY", "Armenian"), ("HZ", "Herero"), ("IA", "Interlingua"),
    ("ID", "Indonesian"), ("IE", "Interlingue"), ("IG", "Igbo"), ("II", "Sichuan Yi"),
    ("IK", "Inupiaq"), ("IO", "Ido"), ("IS", "Icelandic"), ("IT", "Italian"),
    ("IU", "Inuktitut"), ("JA", "Japanese"), ("JV", "Javanese"), ("KA", "Georgian"),
    ("KG", "Kongo"), ("KI", "Kikuyu"), ("KJ", "Kuanyama"), ("KK", "Kazakh"),
    ("KL", "Kalaallisut"), ("KM", "Khmer"), ("KN", "Kannada"), ("KO", "Korean"),
    ("KR", "Kanuri"), ("KS", "Kashmiri"), ("KU", "Kurdish"), ("KV", "Komi"),
    ("KW", "Cornish"), ("KY", "Kyrgyz"), ("LA", "Latin"), ("LB", "Luxembourgish"),
    ("LG", "Ganda"), ("LI", "Limburgish"), ("LN", "Lingala"), ("LO", "Lao"),
    ("LT", "Lithuanian"), ("LU", "Luba-Katanga"), ("LV", "Latvian"), ("MG", "Malagasy"),
    ("MH", "Marshallese"), ("MI", "Maori"), ("MK", "Macedonian"), ("ML", "Malayalam"),
    ("MN", "Mongolian"), ("MR", "Marathi"), ("MS", "Malay"), ("MT", "Maltese"),
    ("MY", "Burmese"), ("NA", "Nauru"), ("NB", "Norwegian Bokmål"), ("ND", "North Ndebele"),
    ("NE", "Nepali"), ("NG", "Ndonga"), ("NL", "Dutch"), ("NN", "Norwegian Nynorsk"),
    ("NO", "Norwegian"), ("NR", "South Ndebele"), ("NV", "Navajo"), ("NY", "Chichewa"),
    ("OC", "Occitan"), ("OJ", "Ojibwa"), ("OM", "Oromo"), ("OR", "Odia"),
    ("OS", "Ossetian"), ("PA", "Punjabi"), ("PI", "Pali"), ("PL", "Polish"),
    ("PS", "Pashto"), ("PT", "Portuguese"), ("QU", "Quechua"), ("RM", "Romansh"),
    ("RN", "Rundi"), ("RO", "Romanian"), ("RU", "Russian"), ("RW", "Kinyarwanda"),
    ("SA", "Sanskrit"), ("SC", "Sardinian"), ("SD", "Sindhi"), ("SE", "Northern Sami"),
    ("SG", "Sango"), ("SI", "Sinhala"), ("SK", "Slovak"), ("SL", "Slovenian"),
    ("SM", "Samoan"), ("SN", "Shona"), ("SO", "Somali"), ("SQ", "Albanian"),
    ("SR", "Serbian"), ("SS", "Swati"), ("ST", "Southern Sotho"), ("SU", "Sundanese"),
    ("SV", "Swedish"), ("SW", "Swahili"), ("TA", "Tamil"), ("TE", "Telugu"),
    ("TG", "Tajik"), ("TH", "Thai"), ("TI", "Tigrinya"), ("TK", "Turkmen"),
    ("TL", "Tagalog"), ("TN", "Tswana"), ("TO", "Tongan"), ("TR", "Turkish"),
    ("TS", "Tsonga"), ("TT", "Tatar"), ("TW", "Twi"), ("TY", "Tahitian"),
    ("UG", "Uyghur"), ("UK", "Ukrainian"), ("UR", "Urdu"), ("UZ", "Uzbek"),
    ("VE", "Venda"), ("VI", "Vietnamese"), ("VO", "Volapük"), ("WA", "Walloon"),
    ("WO", "Wolof"), ("XH", "Xhosa"), ("YI", "Yiddish"), ("YO", "Yoruba"),
    ("ZA", "Zhuang"), ("ZH", "Chinese"), ("ZU", "Zulu"),
];

/// The English name of an ISO 639-1 code (capitals), if it is one.
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES
        .binary_search_by(|(c, _)| c.cmp(&code))
        .ok()
        .map(|i| LANGUAGES[i].1)
}
