// The messages both the criterion bench (`../scan.rs`) and the instruction-count loop
// (`examples/scan_loop.rs`) run, shared with `include!` so the two measure the same text.

const CLEAN: &[&str] = &[
    "Hi, I ordered the blue jacket last week and it still has not arrived, can you check?",
    "Hola, mi pedido llegó incompleto, faltan dos camisetas de la talla M. ¿Me ayudan?",
    "Olá, o produto chegou com defeito e gostaria de trocar por outro igual, por favor.",
    "Thanks for the quick answer! The package arrived today at 10:30 and everything is fine.",
    "The app crashes on version 2.14.3-beta when I open settings, I'm on Android 14.",
    "¿Cuánto cuesta el envío a Valencia? En la web pone 4,99 € pero me cobraron 6,50 €.",
    "Meu pedido 48213 ainda não foi entregue, o prazo era dia 12/03/2024. Podem verificar?",
    "Can I change the delivery address to my office? It's open from 9 to 5 on weekdays.",
    "I was charged twice for the same order, total $59.90 each time. Please refund one.",
    "Perfecto, muchas gracias por la ayuda. Que tengan un buen día, hasta luego.",
];

const PII: &[&str] = &[
    "My card is 4111 1111 1111 1111, exp 12/27, cvv 123. Please charge the order now.",
    "Mi DNI es 12345678Z y mi email es juan.perez@example.es, llámame al 612 345 678.",
    "Meu CPF é 529.982.247-25 e o telefone é (11) 91234-5678, pode confirmar o cadastro?",
    "IBAN ES91 2100 0418 4502 0005 1332 for the refund please, thanks a lot!",
    "You can email me at john dot doe at gmail dot com or call +1 (415) 555-0132.",
];

/// Exactly 100 bytes each.
const LATENCY_CLEAN: &str = "Hi, I ordered the blue jacket last week and it still has not arrived, could you check it for me, pls";
const LATENCY_PII: &str = "Hi, my card is 4111 1111 1111 1111 exp 12/27 and cvv 123, please charge the order today. Thanks!!!!!";
