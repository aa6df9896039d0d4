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

/// The name speakers give their own language, for languages in Latin
/// letters that captions are often in (the window's font has no other
/// scripts; the rest go by their English name).
#[rustfmt::skip]
const OWN_NAMES: &[(&str, &str)] = &[
    ("CA", "Català"), ("CS", "Čeština"), ("CY", "Cymraeg"), ("DA", "Dansk"),
    ("DE", "Deutsch"), ("EN", "English"), ("ES", "Español"), ("EU", "Euskara"),
    ("FI", "Suomi"), ("FR", "Français"), ("GA", "Gaeilge"), ("HU", "Magyar"),
    ("ID", "Bahasa Indonesia"), ("IT", "Italiano"), ("NB", "Norsk bokmål"),
    ("NL", "Nederlands"), ("NO", "Norsk"), ("PL", "Polski"), ("PT", "Português"),
    ("RO", "Română"), ("SV", "Svenska"), ("TR", "Türkçe"),
];

/// What a person reading the language calls it ("Español"), else its
/// English name, else the code itself.
pub fn own_name(code: &str) -> &str {
    OWN_NAMES
        .binary_search_by(|(c, _)| c.cmp(&code))
        .map(|i| OWN_NAMES[i].1)
        .ok()
        .or_else(|| language_name(code))
        .unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_are_in_code_order_and_own_names_are_languages() {
        assert!(LANGUAGES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(OWN_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(OWN_NAMES.iter().all(|(c, _)| language_name(c).is_some()));
        assert_eq!(own_name("ES"), "Español");
        assert_eq!(own_name("SW"), "Swahili");
        assert_eq!(own_name("QQ"), "QQ");
    }
}
