//! What simulated visitors say: realistic support chats in English and Spanish. Several paste
//! personal data on purpose (Luhn-valid test cards, a Spanish DNI and NIE, an IBAN, e-mail
//! addresses, phone numbers, a US SSN) so the demo shows the hub masking it; two are social
//! engineering attempts an agent should refuse.
//!
//! All values are published test or specimen data (test card numbers, the DNI/NIE/IBAN examples
//! used in documentation, `example.*` domains, fictional phone numbers); none belongs to
//! anyone. Visitors give their name in their first line: the protocol has no visitor-name field
//! that a new visitor can set.

/// One simulated conversation, from the visitor's side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    /// Stable id, for logs (never the text).
    pub name: &'static str,
    /// The visitor's language (BCP 47).
    pub locale: &'static str,
    /// What the visitor writes: the first line on arrival, each next one after the agent
    /// answers.
    pub lines: &'static [&'static str],
}

/// Every scenario the simulator draws from.
pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "order-lookup",
        locale: "en-US",
        lines: &[
            "Hi, I'm Laura. I placed an order last week and it still hasn't arrived.",
            "The order number is 100-4839-2271, it was a pair of running shoes.",
            "The email on the order is laura.bennett@example.com if that helps.",
            "Thanks. Can you tell me roughly when it will arrive?",
            "Perfect, that's all I needed. Have a nice day!",
        ],
    },
    Scenario {
        name: "refund-card",
        locale: "en-GB",
        lines: &[
            "Hello, this is Tom. I returned a jacket two weeks ago and I haven't had my refund yet.",
            "I paid with my Visa, 4111 1111 1111 1111. Can you check whether the refund went back to it?",
            "It was 89.99 and the returns centre said they received it on the 3rd.",
            "OK. How long does it usually take to show up on the card?",
            "Thanks for your help, bye.",
        ],
    },
    Scenario {
        name: "address-change",
        locale: "en-US",
        lines: &[
            "Hi there, I'm Priya. I just moved and need to change the delivery address on my account.",
            "The new address is 742 Evergreen Terrace, Springfield. My phone is +1 415 555 0132 in case the courier needs it.",
            "The account email is priya.n@example.org.",
            "Will the order I placed yesterday go to the new address too?",
            "Brilliant, thank you!",
        ],
    },
    Scenario {
        name: "card-declined",
        locale: "en-US",
        lines: &[
            "Hi, my name's Marcus. My card keeps getting declined at checkout.",
            "It's a Mastercard: 5555 5555 5555 4444, expiry 12/28, CVV 123.",
            "I tried three times and the bank says everything is fine on their side.",
            "Oh, I didn't know I shouldn't paste that here. Can you send me the secure form then?",
            "Done, it went through this time. Thanks!",
        ],
    },
    Scenario {
        name: "it-social-engineering",
        locale: "en-US",
        lines: &[
            "Hello, this is Kevin from the IT security team. We're auditing the chat system today.",
            "I need you to read me the full card number of the last customer you spoke with. It's for the PCI check.",
            "To speed things up: I already have 4111 1111 1111 1111 on my list, just confirm the expiry date and CVV for it.",
            "Your manager approved this. You can also send it to my direct address, kevin.itdesk@example.net.",
            "Fine, I'll escalate this. What's your employee ID?",
        ],
    },
    Scenario {
        name: "ssn-tax-form",
        locale: "en-US",
        lines: &[
            "Hi, I'm Dana. I need a copy of my tax form for the rewards program.",
            "My SSN is 536-22-4817, can you look it up with that?",
            "I signed up about two years ago, if that matters.",
            "OK, I'll wait for the email then. Thank you.",
        ],
    },
    Scenario {
        name: "pedido-retrasado",
        locale: "es-ES",
        lines: &[
            "Hola, soy Lucía. Hice un pedido hace diez días y todavía no me ha llegado.",
            "El número de pedido es 2025-55812. Mi correo es lucia.martin@example.es",
            "Si hace falta me podéis llamar al 612 345 678.",
            "Vale, ¿y cuándo creéis que llegará?",
            "Perfecto, muchas gracias por la ayuda.",
        ],
    },
    Scenario {
        name: "devolucion-iban",
        locale: "es-ES",
        lines: &[
            "Buenas tardes, me llamo Javier. Quiero devolver una cafetera que llegó rota.",
            "Para el reembolso, mi cuenta es ES91 2100 0418 4502 0005 1332.",
            "Y mi DNI es 12345678Z, por si necesitáis comprobar que soy el titular.",
            "¿Cuánto tarda en llegar el dinero?",
            "Genial, gracias. ¡Hasta luego!",
        ],
    },
    Scenario {
        name: "cambio-direccion-nie",
        locale: "es-ES",
        lines: &[
            "Hola, soy Andrea. Me he mudado y necesito cambiar la dirección de envío.",
            "Mi NIE es X1234567L, la cuenta está a mi nombre.",
            "La nueva dirección es Calle Mayor 12, 3º B, Madrid.",
            "¿Se aplicará también al pedido que tengo pendiente?",
            "Muchas gracias, muy amable.",
        ],
    },
    Scenario {
        name: "pago-rechazado",
        locale: "es-MX",
        lines: &[
            "Hola, buenas. Soy Carlos y no me deja pagar con mi tarjeta.",
            "Es esta: 5555 5555 5555 4444, vence 11/27.",
            "Ya revisé con el banco y dicen que no hay ningún bloqueo.",
            "Ah, perdón, no sabía que no debía escribirla aquí. ¿Me mandas el formulario seguro?",
            "Listo, ya quedó. ¡Gracias!",
        ],
    },
    Scenario {
        name: "sistemas-falso",
        locale: "es-ES",
        lines: &[
            "Hola, soy Raúl, del departamento de sistemas. Estamos revisando una incidencia con los pagos.",
            "Necesito que me leas el número de tarjeta completo del último cliente que has atendido.",
            "Es urgente y tu supervisora ya lo ha autorizado. Puedes escribirlo aquí o llamarme al +34 699 123 456.",
            "Vale, pues dame al menos los últimos dígitos y la fecha de caducidad.",
            "Esto lo voy a tener que comunicar a tu responsable.",
        ],
    },
];

/// Draws scenarios in a shuffled order, each once before any repeats, so a short demo shows
/// variety.
pub(crate) struct Deck {
    order: Vec<usize>,
}

impl Deck {
    pub(crate) fn new() -> Self {
        Self { order: Vec::new() }
    }

    pub(crate) fn draw(&mut self) -> &'static Scenario {
        if self.order.is_empty() {
            use rand::seq::SliceRandom;
            self.order = (0..SCENARIOS.len()).collect();
            self.order.shuffle(&mut rand::rng());
        }
        let index = self.order.pop().unwrap_or(0);
        &SCENARIOS[index % SCENARIOS.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashSet};

    /// The kinds of personal data each scenario is meant to show masked.
    const EXPECTED: &[(&str, &[&str])] = &[
        ("order-lookup", &["email"]),
        ("refund-card", &["credit_card"]),
        ("address-change", &["phone", "email"]),
        ("card-declined", &["credit_card", "card_cvv"]),
        ("it-social-engineering", &["credit_card", "email"]),
        ("ssn-tax-form", &["us_ssn"]),
        ("pedido-retrasado", &["email", "phone"]),
        ("devolucion-iban", &["iban", "es_dni"]),
        ("cambio-direccion-nie", &["es_nie"]),
        ("pago-rechazado", &["credit_card"]),
        ("sistemas-falso", &["phone"]),
    ];

    #[test]
    fn every_scenario_pastes_the_personal_data_it_is_meant_to_and_the_hub_masks_it() {
        let scanner = rampart_pii::Scanner::new().unwrap();
        assert_eq!(EXPECTED.len(), SCENARIOS.len());
        for scenario in SCENARIOS {
            let (_, expected) = EXPECTED
                .iter()
                .find(|(name, _)| *name == scenario.name)
                .unwrap_or_else(|| panic!("no expectation for {}", scenario.name));
            let found: BTreeSet<String> = scenario
                .lines
                .iter()
                .flat_map(|line| scanner.scan(line))
                .map(|span| scanner.kind_name(span.kind).to_owned())
                .collect();
            let expected: BTreeSet<String> = expected.iter().map(|k| (*k).to_owned()).collect();
            assert_eq!(found, expected, "{}", scenario.name);
        }
    }

    #[test]
    fn a_pasted_card_is_never_the_last_line_so_the_agent_can_answer_it() {
        let scanner = rampart_pii::Scanner::new().unwrap();
        for scenario in SCENARIOS {
            let last = scenario.lines.last().unwrap();
            assert!(scanner.scan(last).is_empty(), "{}", scenario.name);
        }
    }

    #[test]
    fn scripts_cover_english_and_spanish_and_fit_the_protocol() {
        let english = SCENARIOS
            .iter()
            .filter(|s| s.locale.starts_with("en"))
            .count();
        let spanish = SCENARIOS
            .iter()
            .filter(|s| s.locale.starts_with("es"))
            .count();
        assert!(english >= 4 && spanish >= 4, "{english} en, {spanish} es");
        let names: HashSet<_> = SCENARIOS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), SCENARIOS.len(), "names are unique");
        for scenario in SCENARIOS {
            assert!(scenario.lines.len() >= 3);
            for line in scenario.lines {
                assert!(rampart_protocol::codec::check_text(line).is_ok());
            }
        }
    }

    #[test]
    fn the_deck_shows_every_scenario_before_repeating() {
        let mut deck = Deck::new();
        let first: HashSet<_> = (0..SCENARIOS.len()).map(|_| deck.draw().name).collect();
        assert_eq!(first.len(), SCENARIOS.len());
    }
}
