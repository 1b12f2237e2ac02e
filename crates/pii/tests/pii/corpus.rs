//! A seeded generator of labelled chat messages in English, Spanish and Portuguese: personal
//! data of every kind in varied formats, and look-alikes that must not be masked (order numbers
//! failing Luhn, IMEIs, tracking codes, prices, dates, ZIP+4, versions, wrong check letters or
//! digits).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Gold, Sample};

pub struct Gen {
    rng: StdRng,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Es,
    Pt,
}

struct Msg {
    text: String,
    gold: Vec<Gold>,
}

impl Msg {
    fn lit(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn ent(&mut self, s: &str, kind: &'static str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.gold.push(Gold {
            start,
            end: self.text.len(),
            kind: kind.to_owned(),
        });
    }
}

const GREET: [&[&str]; 3] = [
    &[
        "Hi, ",
        "Hello! ",
        "Hey there, ",
        "Good morning. ",
        "",
        "",
        "Thanks for waiting. ",
    ],
    &[
        "Hola, ",
        "Buenas tardes. ",
        "Buenos días, ",
        "",
        "",
        "Gracias por esperar. ",
    ],
    &["Olá, ", "Oi! ", "Bom dia, ", "Boa tarde. ", "", ""],
];
const FILL: [&[&str]; 3] = [
    &[
        "I need help with my order.",
        "the package never arrived.",
        "I want to update my payment details.",
        "can you process the refund today?",
        "I was charged twice last week.",
        "please update my account.",
        "the app keeps crashing when I pay.",
        "I'd like to cancel the subscription.",
    ],
    &[
        "necesito ayuda con mi pedido.",
        "el paquete no ha llegado.",
        "quiero actualizar mis datos de pago.",
        "me cobraron dos veces.",
        "por favor actualicen mi cuenta.",
        "quiero cancelar la suscripción.",
    ],
    &[
        "preciso de ajuda com meu pedido.",
        "a encomenda não chegou.",
        "quero atualizar meus dados de pagamento.",
        "fui cobrado duas vezes.",
        "por favor atualizem meu cadastro.",
        "quero cancelar a assinatura.",
    ],
];
const CLOSE: [&[&str]; 3] = [
    &[" Thanks!", " Thank you.", "", " Let me know.", " Cheers"],
    &[" Gracias.", " ¡Gracias!", "", " Quedo atento.", " Saludos"],
    &[
        " Obrigado!",
        " Obrigada.",
        "",
        " Fico no aguardo.",
        " Abraço",
    ],
];

fn lead(lang: Lang, kind: &str) -> &'static [&'static str] {
    match (kind, lang) {
        ("credit_card", Lang::En) => &[
            "My card number is ",
            "card: ",
            "Charge it to ",
            "the visa is ",
            "use this card ",
            "here's my card ",
        ],
        ("credit_card", Lang::Es) => &[
            "mi tarjeta es ",
            "el número de la tarjeta es ",
            "tarjeta: ",
            "cóbrenlo a la tarjeta ",
        ],
        ("credit_card", Lang::Pt) => &[
            "o número do cartão é ",
            "meu cartão: ",
            "cartão de crédito ",
            "pode usar o cartão ",
        ],
        ("card_cvv", Lang::En) => &["cvv ", "CVV: ", "security code ", "the CVC is "],
        ("card_cvv", Lang::Es) => &["código de seguridad ", "CVV ", "cvc: "],
        ("card_cvv", Lang::Pt) => &["código de segurança ", "CVV: ", "cód. seg. "],
        ("us_ssn", Lang::En) => &["my SSN is ", "social security number ", "SSN: ", "ss# "],
        ("us_ssn", Lang::Es) => &["mi número de seguro social es ", "SSN "],
        ("us_ssn", Lang::Pt) => &["meu SSN é ", "número do seguro social "],
        ("email", Lang::En) => &["email me at ", "my email is ", "contact: ", "send it to "],
        ("email", Lang::Es) => &["mi correo es ", "escríbeme a ", "email: "],
        ("email", Lang::Pt) => &["meu e-mail é ", "manda para ", "email: "],
        ("phone", Lang::En) => &[
            "call me at ",
            "my phone is ",
            "phone: ",
            "text me on ",
            "reach me at ",
        ],
        ("phone", Lang::Es) => &[
            "mi teléfono es ",
            "llámame al ",
            "móvil: ",
            "mi whatsapp es ",
        ],
        ("phone", Lang::Pt) => &["meu telefone é ", "me liga no ", "celular: ", "whatsapp "],
        ("iban", Lang::En) => &["IBAN ", "my IBAN is ", "refund to "],
        ("iban", Lang::Es) => &["mi IBAN es ", "cuenta IBAN: ", "IBAN "],
        ("iban", Lang::Pt) => &["meu IBAN é ", "transfira para o IBAN "],
        ("ip_address", Lang::En) => &["my IP is ", "it fails from ", "IP: "],
        ("ip_address", Lang::Es) => &["mi IP es ", "desde la IP "],
        ("ip_address", Lang::Pt) => &["meu IP é ", "acesso do IP "],
        ("es_dni", _) => &["DNI ", "mi DNI es ", "documento: ", "NIF "],
        ("es_nie", _) => &["NIE ", "mi NIE es ", "tarjeta de residencia "],
        ("mx_curp", _) => &["CURP ", "mi CURP es ", "CURP: "],
        ("br_cpf", _) => &["CPF ", "meu CPF é ", "CPF: "],
        _ => &[""],
    }
}

const KINDS: [&str; 11] = [
    "credit_card",
    "card_cvv",
    "us_ssn",
    "email",
    "phone",
    "iban",
    "ip_address",
    "es_dni",
    "es_nie",
    "mx_curp",
    "br_cpf",
];

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn n(&mut self, hi: usize) -> usize {
        self.rng.random_range(0..hi)
    }
    fn p(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.n(xs.len())]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.n(10) as u8))
            .collect()
    }

    pub fn sample(&mut self) -> Sample {
        let lang = [Lang::En, Lang::Es, Lang::Pt][self.n(3)];
        let li = lang as usize;
        let mut m = Msg {
            text: String::new(),
            gold: Vec::new(),
        };
        let g = self.pick(GREET[li]);
        m.lit(g);
        let f = self.pick(FILL[li]);
        m.lit(f);
        let n_ent = [0, 1, 1, 1, 2, 2, 3][self.n(7)];
        let n_look = [0, 0, 1, 1, 2][self.n(5)];
        let mut parts: Vec<Option<&str>> = Vec::new();
        for _ in 0..n_ent {
            parts.push(Some(KINDS[self.n(KINDS.len())]));
        }
        for _ in 0..n_look {
            parts.push(None);
        }
        for i in (1..parts.len()).rev() {
            let j = self.n(i + 1);
            parts.swap(i, j);
        }
        for part in parts {
            m.lit(" ");
            match part {
                Some(kind) => self.entity(&mut m, lang, kind),
                None => self.lookalike(&mut m, lang),
            }
            m.lit(if self.p(0.5) { "." } else { "," });
        }
        let c = self.pick(CLOSE[li]);
        m.lit(c);
        Sample {
            lang: ["en", "es", "pt"][li].to_owned(),
            text: m.text,
            gold: m.gold,
        }
    }

    fn entity(&mut self, m: &mut Msg, lang: Lang, kind: &'static str) {
        let l = self.pick(lead(lang, kind));
        match kind {
            "credit_card" => {
                if self.p(0.06) {
                    // Split card.
                    let c = self.card_number(16);
                    let (a, b) = c.split_at(8);
                    m.lit(l);
                    m.ent(&format!("{} {}", &a[..4], &a[4..]), kind);
                    let mid = match lang {
                        Lang::En => " and then ",
                        Lang::Es => " y luego ",
                        Lang::Pt => " e depois ",
                    };
                    m.lit(mid);
                    m.ent(&format!("{} {}", &b[..4], &b[4..]), kind);
                    return;
                }
                let len = [16, 16, 16, 15, 14, 19, 13][self.n(7)];
                let c = self.card_number(len);
                let v = self.format_card(&c);
                m.lit(l);
                m.ent(&v, kind);
                if self.p(0.3) {
                    let exp = format!(" exp {:02}/{}", 1 + self.n(12), 25 + self.n(8));
                    m.lit(&exp);
                }
            }
            "card_cvv" => {
                m.lit(l);
                let n = if self.p(0.85) { 3 } else { 4 };
                let d = self.digits(n);
                m.ent(&d, kind);
            }
            "us_ssn" => {
                let s = self.ssn();
                let (v, l) = match self.n(4) {
                    0 => (format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..]), l),
                    1 => (format!("{} {} {}", &s[..3], &s[3..5], &s[5..]), l),
                    2 => (s, l),
                    _ => return self.bare_ssn(m, lang),
                };
                m.lit(l);
                m.ent(&v, kind);
            }
            "email" => self.email(m, l),
            "phone" => self.phone(m, l),
            "iban" => {
                let v = self.iban();
                m.lit(l);
                m.ent(&v, kind);
            }
            "ip_address" => self.ip(m, l),
            "es_dni" => {
                let d = self.digits(8);
                let n: usize = d.parse().unwrap_or(0);
                let letter = char::from(b"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]);
                let v = match self.n(4) {
                    0 => format!("{d}{letter}"),
                    1 => format!("{}.{}.{}-{letter}", &d[..2], &d[2..5], &d[5..]),
                    2 => format!("{d} {letter}"),
                    _ => format!("{d}-{letter}"),
                };
                m.lit(l);
                m.ent(&v, kind);
            }
            "es_nie" => {
                let p = self.n(3);
                let d = self.digits(7);
                let n: usize = format!("{p}{d}").parse().unwrap_or(0);
                let letter = char::from(b"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]);
                let pc = ['X', 'Y', 'Z'][p];
                let v = match self.n(3) {
                    0 => format!("{pc}{d}{letter}"),
                    1 => format!("{pc}-{d}-{letter}"),
                    _ => format!("{pc} {d} {letter}"),
                };
                m.lit(l);
                m.ent(&v, kind);
            }
            "mx_curp" => {
                let v = self.curp();
                m.lit(l);
                m.ent(&v, kind);
            }
            "br_cpf" => {
                let d = self.cpf();
                let v = if self.p(0.6) {
                    format!("{}.{}.{}-{}", &d[..3], &d[3..6], &d[6..9], &d[9..])
                } else {
                    d
                };
                m.lit(l);
                m.ent(&v, kind);
            }
            _ => {}
        }
    }

    pub fn card_number(&mut self, len: usize) -> String {
        let prefixes: &[&str] = match len {
            15 => &["34", "37"],
            14 => &["36", "300", "305", "38"],
            13 => &["4"],
            19 => &["4", "62", "6011"],
            _ => &[
                "4", "51", "52", "55", "2221", "2720", "6011", "65", "3528", "62", "5067", "6062",
                "2200", "6304",
            ],
        };
        let mut s = self.pick(prefixes).to_owned();
        while s.len() < len - 1 {
            s.push(char::from(b'0' + self.n(10) as u8));
        }
        for d in 0..10u8 {
            let c = format!("{s}{d}");
            if luhn(&c) {
                return c;
            }
        }
        s
    }

    fn format_card(&mut self, c: &str) -> String {
        let groups: Vec<usize> = match c.len() {
            15 => vec![4, 6, 5],
            14 => vec![4, 6, 4],
            16 => vec![4, 4, 4, 4],
            19 => vec![4, 4, 4, 4, 3],
            _ => vec![c.len()],
        };
        let sep = match self.n(8) {
            0 | 1 => "",
            2 | 3 => " ",
            4 => "-",
            5 => ".",
            6 => "\u{a0}",
            _ => "\n",
        };
        let mut out = String::new();
        let mut at = 0;
        for (i, g) in groups.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(&c[at..at + g]);
            at += g;
        }
        if self.p(0.05) {
            out = out
                .chars()
                .map(|ch| match ch.to_digit(10) {
                    Some(d) => char::from_u32(0xFF10 + d).unwrap_or(ch),
                    None => ch,
                })
                .collect();
        }
        out
    }

    /// Nine plain digits with no SSN keyword, when a reader would take them for an SSN: not
    /// right after a sentence about an order, an account, a payment or a refund (there a bare
    /// number is that reference), and in Spanish or Portuguese not shaped like a phone of Spain
    /// (6, 7, 8) or Portugal (2). Otherwise the keyword form.
    fn bare_ssn(&mut self, m: &mut Msg, lang: Lang) {
        const REFERENCE: [&str; 12] = [
            "order",
            "pedido",
            "paquete",
            "encomenda",
            "account",
            "cuenta",
            "cadastro",
            "payment",
            "pago",
            "pagamento",
            "refund",
            "package",
        ];
        let s = loop {
            let s = self.ssn();
            let phone_like = match lang {
                Lang::En => false,
                Lang::Es => matches!(s.as_bytes()[0], b'6'..=b'8'),
                Lang::Pt => s.starts_with('2'),
            };
            if !phone_like {
                break s;
            }
        };
        let lead = if REFERENCE.iter().any(|w| m.text.contains(w)) {
            self.pick(lead(lang, "us_ssn"))
        } else {
            self.pick(match lang {
                Lang::En => &["here it is: ", "sure, it's ", "ok ", "the nine digits: "],
                Lang::Es => &["aquí está: ", "claro, es el ", "vale: ", ""],
                Lang::Pt => &["segue: ", "claro, é ", "pronto: ", ""],
            })
        };
        m.lit(lead);
        m.ent(&s, "us_ssn");
    }

    fn ssn(&mut self) -> String {
        loop {
            let area = 1 + self.n(899);
            let group = 1 + self.n(99);
            let serial = 1 + self.n(9999);
            if area != 666 {
                let s = format!("{area:03}{group:02}{serial:04}");
                if !matches!(s.as_str(), "078051120" | "219099999" | "123456789") {
                    return s;
                }
            }
        }
    }

    fn email(&mut self, m: &mut Msg, l: &str) {
        let first = self.pick(&[
            "john", "maria", "joao", "ana", "carlos", "lucia", "pedro", "sarah", "mike", "fernanda",
        ]);
        let last = self.pick(&[
            "smith", "garcia", "silva", "perez", "souza", "lopez", "oliveira", "brown",
        ]);
        let dom = self.pick(&[
            "gmail",
            "hotmail",
            "yahoo",
            "outlook",
            "empresa",
            "uol",
            "icloud",
            "acme-corp",
        ]);
        let tld = self.pick(&["com", "com.br", "es", "com.mx", "pt", "net", "org"]);
        let num = if self.p(0.3) {
            self.digits(2)
        } else {
            String::new()
        };
        let user = format!("{first}{}{last}{num}", self.pick(&[".", "_", "", "-"]));
        let plain = format!("{user}@{dom}.{tld}");
        m.lit(l);
        match self.n(10) {
            0 => {
                m.lit("mailto:");
                m.ent(&plain, "email");
            }
            1 => {
                m.lit("<");
                m.ent(&plain, "email");
                m.lit(">");
            }
            2 => {
                let t = tld.replace('.', " dot ");
                m.ent(&format!("{user} at {dom} dot {t}"), "email");
            }
            3 => {
                let t = tld.replace('.', " (dot) ");
                m.ent(&format!("{user} (at) {dom} (dot) {t}"), "email");
            }
            4 => {
                let t = tld.replace('.', " punto ");
                m.ent(&format!("{user} arroba {dom} punto {t}"), "email");
            }
            5 => m.ent(&format!("{user}%40{dom}.{tld}"), "email"),
            6 => m.ent(&format!("{user} [at] {dom}.{tld}"), "email"),
            _ => m.ent(&plain, "email"),
        }
    }

    fn phone(&mut self, m: &mut Msg, l: &str) {
        let d = |g: &mut Gen, n| g.digits(n);
        let v = match self.n(22) {
            0 => format!(
                "({}{}) {}{}-{}",
                2 + self.n(8),
                d(self, 2),
                2 + self.n(8),
                d(self, 2),
                d(self, 4)
            ),
            1 => format!(
                "{}{}-{}{}-{}",
                2 + self.n(8),
                d(self, 2),
                2 + self.n(8),
                d(self, 2),
                d(self, 4)
            ),
            2 => format!(
                "+1 {}{} {}{} {}",
                2 + self.n(8),
                d(self, 2),
                2 + self.n(8),
                d(self, 2),
                d(self, 4)
            ),
            3 => format!(
                "+1 ({}{}) {}{}-{}",
                2 + self.n(8),
                d(self, 2),
                2 + self.n(8),
                d(self, 2),
                d(self, 4)
            ),
            4 => format!("6{} {} {}", d(self, 2), d(self, 3), d(self, 3)),
            5 => format!(
                "+34 6{} {} {} {}",
                d(self, 2),
                d(self, 2),
                d(self, 2),
                d(self, 2)
            ),
            6 => format!("+34 9{} {} {}", d(self, 2), d(self, 3), d(self, 3)),
            7 => format!("+52 55 {} {}", d(self, 4), d(self, 4)),
            8 => format!("55 {} {}", d(self, 4), d(self, 4)),
            9 => format!("(11) 9{}-{}", d(self, 4), d(self, 4)),
            10 => format!("+55 11 9{}-{}", d(self, 4), d(self, 4)),
            11 => format!("+55 (21) 9{} {}", d(self, 4), d(self, 4)),
            12 => format!("+351 91{} {} {}", d(self, 1), d(self, 3), d(self, 3)),
            13 => format!("+54 9 11 {}-{}", d(self, 4), d(self, 4)),
            14 => format!("+57 3{} {} {}", d(self, 2), d(self, 3), d(self, 4)),
            15 => format!("+44 20 {} {}", d(self, 4), d(self, 4)),
            16 => format!("07700 9{}", d(self, 5)),
            17 => format!("+49 30 {}", d(self, 8)),
            18 => format!("030 {}", d(self, 8)),
            19 => format!(
                "06 {} {} {} {}",
                d(self, 2),
                d(self, 2),
                d(self, 2),
                d(self, 2)
            ),
            20 => format!(
                "+33 6 {} {} {} {}",
                d(self, 2),
                d(self, 2),
                d(self, 2),
                d(self, 2)
            ),
            _ => {
                let n = format!("5511 9{}", d(self, 8)).replace(' ', "");
                if self.p(0.5) {
                    m.lit("https://wa.me/");
                    m.ent(&n, "phone");
                } else {
                    m.lit("tel:");
                    m.ent(&format!("+{n}"), "phone");
                }
                return;
            }
        };
        m.lit(l);
        m.ent(&v, "phone");
    }

    pub fn iban(&mut self) -> String {
        let (cc, bban): (&str, String) = match self.n(8) {
            0 => ("ES", self.digits(20)),
            1 => ("DE", self.digits(18)),
            2 => ("FR", format!("{}{}", self.digits(21), "M1")),
            3 => ("PT", self.digits(21)),
            4 => ("GB", format!("WEST{}", self.digits(14))),
            5 => ("IT", format!("X{}", self.digits(22))),
            6 => ("NL", format!("ABNA{}", self.digits(10))),
            _ => ("BR", format!("{}C1", self.digits(23))),
        };
        let check = iban_check(cc, &bban);
        let compact = format!("{cc}{check:02}{bban}");
        let v = if self.p(0.5) {
            compact
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            compact
        };
        if self.p(0.15) { v.to_lowercase() } else { v }
    }

    fn ip(&mut self, m: &mut Msg, l: &str) {
        m.lit(l);
        match self.n(5) {
            0 | 1 => {
                let v = format!(
                    "{}.{}.{}.{}",
                    1 + self.n(223),
                    self.n(256),
                    self.n(256),
                    1 + self.n(254)
                );
                m.ent(&v, "ip_address");
                if self.p(0.3) {
                    m.lit(&format!(":{}", 1024 + self.n(60000)));
                }
            }
            2 => {
                let v = format!("2001:db8::{:x}:{:x}", self.n(65536), self.n(65536));
                m.ent(&v, "ip_address");
            }
            3 => {
                let v = format!(
                    "fe80::{:x}:{:x}ff:fe{:x}:{:x}",
                    self.n(65536),
                    self.n(256),
                    self.n(256),
                    self.n(65536)
                );
                m.lit("[");
                m.ent(&v, "ip_address");
                m.lit(&format!("]:{}", 1024 + self.n(60000)));
            }
            _ => {
                let v = (0..8)
                    .map(|_| format!("{:x}", self.n(65536)))
                    .collect::<Vec<_>>()
                    .join(":");
                m.ent(&v, "ip_address");
            }
        }
    }

    pub fn curp(&mut self) -> String {
        let up = |g: &mut Gen, set: &[u8]| char::from(set[g.n(set.len())]);
        const L: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const V: &[u8] = b"AEIOU";
        const C: &[u8] = b"BCDFGHJKLMNPQRSTVWXYZ";
        let states = ["DF", "JC", "NL", "MC", "PL", "VZ", "GT", "YN", "NE"];
        let mut s = String::new();
        s.push(up(self, L));
        s.push(up(self, V));
        s.push(up(self, L));
        s.push(up(self, L));
        s.push_str(&format!(
            "{:02}{:02}{:02}",
            self.n(100),
            1 + self.n(12),
            1 + self.n(28)
        ));
        s.push(if self.p(0.5) { 'H' } else { 'M' });
        s.push_str(states[self.n(states.len())]);
        for _ in 0..3 {
            s.push(up(self, C));
        }
        s.push(if self.p(0.5) { '0' } else { 'A' });
        let alpha = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
        let sum: usize = s
            .chars()
            .enumerate()
            .map(|(i, c)| alpha.chars().position(|a| a == c).unwrap_or(0) * (18 - i))
            .sum();
        s.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
        s
    }

    pub fn cpf(&mut self) -> String {
        loop {
            let mut d: Vec<u32> = (0..9).map(|_| self.n(10) as u32).collect();
            if d.iter().all(|&x| x == d[0]) {
                continue;
            }
            for n in [9usize, 10] {
                let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
                d.push(sum * 10 % 11 % 10);
            }
            return d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
        }
    }

    fn lookalike(&mut self, m: &mut Msg, lang: Lang) {
        let es = lang == Lang::Es;
        let pt = lang == Lang::Pt;
        let t = match self.n(17) {
            0 => {
                // 16-digit order number failing Luhn.
                let mut c = self.card_number(16);
                let last = c.pop().and_then(|ch| ch.to_digit(10)).unwrap_or(0);
                c.push(char::from(
                    b'0' + ((last + 1 + self.n(8) as u32) % 10) as u8,
                ));
                let c = if self.p(0.5) {
                    format!("{} {} {} {}", &c[..4], &c[4..8], &c[8..12], &c[12..])
                } else {
                    c
                };
                let l = if es {
                    "número de pedido "
                } else if pt {
                    "número do pedido "
                } else {
                    "order number "
                };
                format!("{l}{c}")
            }
            1 => {
                // IMEI: 15 digits, Luhn-valid, TAC 35/86/01.
                let tac = self.pick(&["35", "86", "01", "49"]);
                let mut s = format!("{tac}{}", self.digits(12));
                for d in 0..10 {
                    if luhn(&format!("{s}{d}")) {
                        s.push(char::from(b'0' + d));
                        break;
                    }
                }
                format!("IMEI {s}")
            }
            2 => {
                let code = match self.n(4) {
                    0 => format!("1Z{}A{}", self.digits(3), self.digits(11)),
                    1 => format!("LP{}CN", self.digits(9)),
                    2 => format!(
                        "9400 {} {} {} {} {}",
                        self.digits(4),
                        self.digits(4),
                        self.digits(4),
                        self.digits(4),
                        self.digits(2)
                    ),
                    _ => format!("BR{}BR", self.digits(9)),
                };
                let l = if es {
                    "código de seguimiento "
                } else if pt {
                    "código de rastreio "
                } else {
                    "tracking code "
                };
                format!("{l}{code}")
            }
            3 => {
                let p = match self.n(4) {
                    0 => format!("${},{}.{:02}", 1 + self.n(9), self.digits(3), self.n(100)),
                    1 => format!("R$ {}.{},{:02}", 1 + self.n(9), self.digits(3), self.n(100)),
                    2 => format!("{}.{},{:02} €", 1 + self.n(99), self.digits(3), self.n(100)),
                    _ => format!("USD {}", 10 + self.n(9000)),
                };
                let l = if es {
                    "el total fue "
                } else if pt {
                    "o valor foi "
                } else {
                    "the total was "
                };
                format!("{l}{p}")
            }
            4 => {
                let (y, mo, d) = (2020 + self.n(6), 1 + self.n(12), 1 + self.n(28));
                match self.n(3) {
                    0 => format!("on {y}-{mo:02}-{d:02}"),
                    1 => format!("el {d:02}/{mo:02}/{y}"),
                    _ => format!("dia {d:02}.{mo:02}.{y}"),
                }
            }
            5 => format!("zip {}-{}", self.digits(5), self.digits(4)),
            6 => {
                let v = match self.n(3) {
                    0 => format!("{}.{}.{}-beta", self.n(5), self.n(20), self.n(10)),
                    1 => format!(
                        "v{}.{}.{}.{}",
                        self.n(5),
                        self.n(10),
                        self.n(10),
                        self.n(100)
                    ),
                    _ => format!("10.0.{}", 10000 + self.n(9000)),
                };
                let l = if es {
                    "versión "
                } else if pt {
                    "versão "
                } else {
                    "version "
                };
                format!("{l}{v}")
            }
            7 => {
                // DNI with the wrong letter.
                let d = self.digits(8);
                let n: usize = d.parse().unwrap_or(0);
                let good = b"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23];
                let bad = b"TRWAGMYFPDXBNJZSQVHLCKE"[(n + 1 + self.n(20)) % 23];
                let bad = if bad == good { b'I' } else { bad };
                format!("DNI {d}{}", char::from(bad))
            }
            8 => {
                // IBAN with a bad checksum.
                let v = self.iban().replace(' ', "").to_uppercase();
                let c: u32 = v[2..4].parse().unwrap_or(0);
                let bad = (c + 1 + self.n(90) as u32) % 97 + 2;
                let bad = if bad == c { (c + 1) % 97 + 2 } else { bad };
                format!("IBAN {}{bad:02}{}", &v[..2], &v[4..])
            }
            9 => {
                let area = self.pick(&["000", "666", "900", "987"]);
                format!("ref {area}-{}-{}", self.digits(2), self.digits(4))
            }
            10 => {
                let mut d = self.cpf();
                let last = d.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
                d.push(char::from(b'0' + ((last + 1) % 10) as u8));
                format!("CPF {}.{}.{}-{}", &d[..3], &d[3..6], &d[6..9], &d[9..])
            }
            11 => format!("at {}:{:02}", 1 + self.n(23), self.n(60)),
            12 => format!("invoice INV-{}-{}", 2020 + self.n(6), self.digits(6)),
            13 => format!("ticket #{}", self.digits(7)),
            14 => {
                let l = if es {
                    "pedido "
                } else if pt {
                    "pedido nº "
                } else {
                    "order #"
                };
                format!("{l}{}", self.digits(10))
            }
            15 => {
                // A nine-digit reference shaped like a valid SSN, named by its keyword.
                let l = match lang {
                    Lang::En => self.pick(&[
                        "order ",
                        "order number ",
                        "account ",
                        "ticket ",
                        "tracking number ",
                        "invoice ",
                    ]),
                    Lang::Es => self.pick(&[
                        "pedido ",
                        "número de pedido ",
                        "cuenta ",
                        "factura ",
                        "referencia ",
                    ]),
                    Lang::Pt => self.pick(&[
                        "pedido ",
                        "número do pedido ",
                        "conta ",
                        "fatura ",
                        "protocolo ",
                    ]),
                };
                format!("{l}{}", self.ssn())
            }
            _ => format!("{} items x {}", 1 + self.n(9), 1 + self.n(20)),
        };
        m.lit(&t);
    }
}

fn luhn(s: &str) -> bool {
    let mut sum = 0;
    for (i, c) in s.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn iban_check(cc: &str, bban: &str) -> u32 {
    let s = format!("{bban}{cc}00");
    let mut rem = 0u32;
    for c in s.chars() {
        let v = c.to_digit(36).unwrap_or(0);
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    98 - rem
}
