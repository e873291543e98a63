//! Known-answer tests for identity values; expected values were computed independently with
//! Python's `hashlib`, `hmac`, `base64` and `urllib.parse`, or come from published HKIC examples.

use proptest::prelude::*;

use super::*;

const HASH_CODE: &str = "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=";
const CLIENT_ID: &str = "edae2e2529ff46228af1e4d18c8405d1";

#[test]
fn identification_code_matches_python() {
    let cases = [
        (HASH_CODE, "u9CZ0wKMIl%2BfOC2GRG0U8%2F3Uq5ym7HJ8RHi7cQ9YOvA%3D", "1573"),
        (
            "Rm9vIGJhciBkb2N1bWVudCBoYXNo",
            "QaGqCz2R0vA5%2BkUjM8y6YyqN1Xz0%2Fx5gX3qv8dZb2tA%3D",
            "8747",
        ),
        ("3q2+7w==", "abc", "4745"),
        ("", "", "2090"),
    ];
    for (hash_code, open_id, expected) in cases {
        assert_eq!(identification_code(hash_code, open_id), expected, "{hash_code} / {open_id}");
    }
}

#[test]
fn anonymous_identification_code_matches_python() {
    let cases = [
        (HASH_CODE, "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk=", CLIENT_ID, "9529"),
        (
            HASH_CODE,
            "yPhFqwnkd3XuMxcIplPfZscq5xil8A+OQfZEXmqcumY=",
            "0123456789abcdef0123456789abcdef",
            "3324",
        ),
        ("", "", "", "1314"),
    ];
    for (hash_code, hkic_hash, client_id, expected) in cases {
        assert_eq!(anonymous_identification_code(hash_code, hkic_hash, client_id), expected);
    }
}

#[test]
fn hkic_hash_matches_python() {
    let cases = [
        ("A123456", "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk="),
        ("XA123456", "yPhFqwnkd3XuMxcIplPfZscq5xil8A+OQfZEXmqcumY="),
        ("Z683365", "WKnZfKMLb47D9ZJ1DEUEhr3X80CmHzKuRaMhapW7pOc="),
        ("C668668", "txWa5u4ttqp1hx+Q9gS6H8vC/G/qSzagXUcWnFCHJ2E="),
    ];
    for (identification, expected) in cases {
        assert_eq!(hkic_hash(identification), expected, "{identification}");
        let hkic = Hkic::from_identification(identification).unwrap();
        assert_eq!(hkic.hash(), expected);
    }
}

#[test]
fn hkic_check_digits_match_published_examples() {
    let cases = [
        // Published worked examples of the algorithm.
        ("A123456", '3'),
        ("AB987654", '3'),
        ("AB123456", '9'),
        ("E364912", '5'),
        // Computed with Python; they cover a checksum of 10 (`A`) and of 11 (`0`).
        ("G123456", 'A'),
        ("Z683365", 'A'),
        ("XA123456", '8'),
        ("C668668", '9'),
        ("K000000", '0'),
        ("B000003", '0'),
        ("R121212", '4'),
        ("M000000", '6'),
    ];
    for (identification, expected) in cases {
        assert_eq!(hkic_check_digit(identification), Ok(expected), "{identification}");
    }
}

#[test]
fn malformed_hkic_identifiers_are_rejected() {
    let cases = ["", "123456", "A12345", "A1234567", "ABC123456", "a123456", "A12345B", "Ä12345"];
    for identification in cases {
        assert_eq!(
            hkic_check_digit(identification),
            Err(Error::InvalidParameter("idNo".into())),
            "{identification:?}"
        );
    }
}

#[test]
fn hkic_parses_and_prints_the_printed_form() {
    let hkic = Hkic::parse("A123456(3)").unwrap();
    assert_eq!(hkic.identification(), "A123456");
    assert_eq!(hkic.check_digit(), '3');
    assert_eq!(hkic.to_string(), "A123456(3)");
    assert_eq!(Hkic::parse("G123456(A)").unwrap().check_digit(), 'A');
    assert_eq!(Hkic::parse("AB987654(3)").unwrap().identification(), "AB987654");
}

#[test]
fn hkic_rejects_wrong_check_digits_and_forms() {
    let cases = ["A123456(4)", "A123456(A)", "A1234563", "A123456(3", "A123456()", "A123456(33)"];
    for s in cases {
        assert_eq!(Hkic::parse(s), Err(Error::InvalidParameter("idNo".into())), "{s}");
    }
}

#[test]
fn open_id_matches_python() {
    let cases: [(&[u8], &str, &str, &str); 3] = [
        (
            b"sandbox-platform-secret",
            CLIENT_ID,
            "chan-tai-man",
            "rgAvH7pVfaWObKIW13QYHMVdbpHGQ7xek4Df1rkts6Q%3D",
        ),
        (
            b"sandbox-platform-secret",
            "0123456789abcdef0123456789abcdef",
            "chan-tai-man",
            "5mkX4Rt4beObjdZ4ZzqdflkNR3eAulycLwL4dt9%2FeWQ%3D",
        ),
        (
            "密鑰/key".as_bytes(),
            CLIENT_ID,
            "wong-siu-ling",
            "BO4k8PEjdotx6o9fux9R1r9M24lF22ePEVrlW6ZuMak%3D",
        ),
    ];
    for (secret, client_id, persona_id, expected) in cases {
        assert_eq!(open_id(secret, client_id, persona_id), expected);
    }
}

#[test]
fn open_id_has_the_sample_format() {
    let id = open_id(b"secret", CLIENT_ID, "lee-ka-yan");
    let b64 = id.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=");
    assert_eq!(b64.len(), 44);
    assert_eq!(STANDARD.decode(&b64).unwrap().len(), 32);
    assert!(!id.contains(['+', '/', '=']));
}

proptest! {
    #[test]
    fn identification_codes_are_four_digits(hash_code in ".*", open_id in ".*", client in ".*") {
        for code in [
            identification_code(&hash_code, &open_id),
            anonymous_identification_code(&hash_code, &open_id, &client),
        ] {
            prop_assert_eq!(code.len(), 4);
            prop_assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn open_id_is_stable_per_client_and_differs_across_clients(
        persona in "[a-z-]{1,20}",
        client_a in "[0-9a-f]{32}",
        client_b in "[0-9a-f]{32}",
    ) {
        prop_assume!(client_a != client_b);
        let secret = b"platform";
        prop_assert_eq!(open_id(secret, &client_a, &persona), open_id(secret, &client_a, &persona));
        prop_assert_ne!(open_id(secret, &client_a, &persona), open_id(secret, &client_b, &persona));
    }

    #[test]
    fn every_computed_check_digit_parses_back(prefix in "[A-Z]{1,2}", digits in "[0-9]{6}") {
        let identification = format!("{prefix}{digits}");
        let digit = hkic_check_digit(&identification).unwrap();
        let printed = format!("{identification}({digit})");
        prop_assert_eq!(Hkic::parse(&printed).unwrap().to_string(), printed);
    }
}
