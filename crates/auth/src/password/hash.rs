//! Argon2id password hashes.
//!
//! Invariants:
//! - Hashes are Argon2id v1.3 PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): the
//!   parameters travel with the hash, and each hash has its own 128-bit salt from the OS.
//! - The password is NFKC-normalised before hashing and verifying, never truncated.
//! - Verification recomputes with the parameters stored in the hash and compares the
//!   outputs in constant time (`password_hash::Output`'s `PartialEq` is constant-time).
//! - Parameters below OWASP's Argon2id floor are refused unless built through the
//!   explicitly named [`PasswordHasher::insecure_for_tests`].

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use unicode_normalization::UnicodeNormalization;

use crate::{Error, SecretString, rng};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes (parallelism).
    pub lanes: u32,
}

impl HashParams {
    /// The production default: 46 MiB, 2 passes, 1 lane (twice OWASP's 46 MiB/1-pass
    /// option). On the 2-core reference machine verification takes about 70–85 ms of CPU
    /// and stays under 250 ms of wall time even with both cores oversubscribed (see README).
    pub const DEFAULT: Self = Self {
        memory_kib: 46 * 1024,
        iterations: 2,
        lanes: 1,
    };

    /// OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane); nothing weaker is accepted by
    /// [`PasswordHasher::new`].
    pub const FLOOR: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        lanes: 1,
    };

    fn to_argon2(self) -> Result<Params, Error> {
        Params::new(self.memory_kib, self.iterations, self.lanes, None)
            .map_err(|_| Error::InvalidHashParams)
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A stored Argon2id hash in PHC string form. Not the password, but still offline-attack
/// material: `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(SecretString);

impl PasswordHash {
    /// Reads a stored PHC string.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] if it is not an Argon2id PHC string.
    pub fn from_phc(phc: String) -> Result<Self, Error> {
        parse_stored(&phc)?;
        Ok(Self(SecretString::new(phc)))
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        self.0.expose()
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Proof that a password matched its hash; one of the two things a session needs.
#[derive(Debug)]
pub struct PasswordVerified {
    _private: (),
}

/// Hashes and verifies passwords with fixed Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: HashParams,
    argon: Argon2<'static>,
    dummy: Arc<OnceLock<Option<PasswordHash>>>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::build(HashParams::DEFAULT)
            .expect("HashParams::DEFAULT is a valid Argon2 parameter set")
    }
}

impl PasswordHasher {
    /// A hasher with `params`.
    ///
    /// # Errors
    /// [`Error::PolicyBelowBaseline`] below [`HashParams::FLOOR`];
    /// [`Error::InvalidHashParams`] if Argon2 refuses them.
    pub fn new(params: HashParams) -> Result<Self, Error> {
        let floor = HashParams::FLOOR;
        if params.memory_kib < floor.memory_kib
            || params.iterations < floor.iterations
            || params.lanes < floor.lanes
        {
            return Err(Error::PolicyBelowBaseline { setting: "argon2" });
        }
        Self::build(params)
    }

    /// A deliberately cheap hasher (64 KiB, 1 pass) so that tests that are not about cost
    /// stay fast. Never use it for real accounts.
    pub fn insecure_for_tests() -> Self {
        let cheap = HashParams {
            memory_kib: 64,
            iterations: 1,
            lanes: 1,
        };
        Self::build(cheap).expect("64 KiB, 1 pass, 1 lane is a valid Argon2 parameter set")
    }

    fn build(params: HashParams) -> Result<Self, Error> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon2()?);
        Ok(Self {
            params,
            argon,
            dummy: Arc::new(OnceLock::new()),
        })
    }

    /// The parameters new hashes get.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// Hashes a (policy-checked) password with a fresh salt.
    ///
    /// # Errors
    /// [`Error::Rng`] if the OS generator fails, [`Error::Hashing`] if Argon2 does.
    pub fn hash(&self, password: &SecretString) -> Result<PasswordHash, Error> {
        let salt_bytes = rng::bytes::<16>()?;
        let salt = SaltString::encode_b64(salt_bytes.expose()).map_err(|_| Error::Hashing)?;
        let normalized = normalize(password);
        let phc = self
            .argon
            .hash_password(normalized.expose().as_bytes(), &salt)
            .map_err(|_| Error::Hashing)?
            .to_string();
        Ok(PasswordHash(SecretString::new(phc)))
    }

    /// Checks `password` against `stored`, using the parameters recorded in `stored`.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`] on mismatch, [`Error::MalformedHash`] if `stored`
    /// cannot be read.
    pub fn verify(
        &self,
        password: &SecretString,
        stored: &PasswordHash,
    ) -> Result<PasswordVerified, Error> {
        let parsed = parse_stored(stored.as_phc())?;
        let normalized = normalize(password);
        match self
            .argon
            .verify_password(normalized.expose().as_bytes(), &parsed)
        {
            Ok(()) => Ok(PasswordVerified { _private: () }),
            Err(argon2::password_hash::Error::Password) => Err(Error::InvalidCredentials),
            Err(_) => Err(Error::MalformedHash),
        }
    }

    /// Computes the dummy hash [`verify_unknown_user`](Self::verify_unknown_user) checks
    /// against, so that its first call is not slower than the others. Call at start-up.
    pub fn warm_up(&self) {
        self.dummy_hash();
    }

    fn dummy_hash(&self) -> Option<&PasswordHash> {
        self.dummy
            .get_or_init(|| {
                self.hash(&SecretString::new("rampart-unknown-user-dummy".to_owned()))
                    .ok()
            })
            .as_ref()
    }

    /// Spends the same time as [`verify`](Self::verify) for a user that does not exist, so
    /// timing does not reveal which usernames are valid. Always fails.
    ///
    /// # Errors
    /// Always [`Error::InvalidCredentials`].
    pub fn verify_unknown_user(&self, password: &SecretString) -> Result<PasswordVerified, Error> {
        if let Some(dummy) = self.dummy_hash() {
            // The result is irrelevant: only the time spent matters.
            let _ = self.verify(password, dummy);
        }
        Err(Error::InvalidCredentials)
    }

    /// Whether `stored` was made with other parameters (or another algorithm/version) than
    /// this hasher's and should be replaced after the next successful login.
    pub fn needs_rehash(&self, stored: &PasswordHash) -> bool {
        let Ok(parsed) = Phc::new(stored.as_phc()) else {
            return true;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        parsed.algorithm != argon2::ARGON2ID_IDENT
            || parsed.version != Some(Version::V0x13.into())
            || params.m_cost() != self.params.memory_kib
            || params.t_cost() != self.params.iterations
            || params.p_cost() != self.params.lanes
    }
}

/// Stored hashes come from disk: cap what they may ask for, so an edited row cannot make a
/// login allocate gigabytes or spin for minutes.
const MAX_STORED_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_STORED_ITERATIONS: u32 = 32;
const MAX_STORED_LANES: u32 = 16;

/// Parses a stored PHC string and checks it is Argon2id with sane parameters.
fn parse_stored(phc: &str) -> Result<Phc<'_>, Error> {
    let parsed = Phc::new(phc).map_err(|_| Error::MalformedHash)?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT || parsed.hash.is_none() {
        return Err(Error::MalformedHash);
    }
    let params = Params::try_from(&parsed).map_err(|_| Error::MalformedHash)?;
    if params.m_cost() > MAX_STORED_MEMORY_KIB
        || params.t_cost() > MAX_STORED_ITERATIONS
        || params.p_cost() > MAX_STORED_LANES
    {
        return Err(Error::MalformedHash);
    }
    Ok(parsed)
}

fn normalize(password: &SecretString) -> SecretString {
    SecretString::new(password.expose().nfkc().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::new(s.to_owned())
    }

    #[test]
    fn hash_is_argon2id_phc_with_parameters_and_salt() {
        let h = PasswordHasher::insecure_for_tests();
        let a = h.hash(&pw("correct horse 1")).expect("hash");
        let b = h.hash(&pw("correct horse 1")).expect("hash");
        assert!(
            a.as_phc().starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{}",
            a.as_phc()
        );
        assert_ne!(a.as_phc(), b.as_phc(), "salts must differ");
    }

    #[test]
    fn verify_accepts_right_and_refuses_wrong_password() {
        let h = PasswordHasher::insecure_for_tests();
        let stored = h.hash(&pw("correct horse 1")).expect("hash");
        assert!(h.verify(&pw("correct horse 1"), &stored).is_ok());
        assert!(matches!(
            h.verify(&pw("correct horse 2"), &stored),
            Err(Error::InvalidCredentials)
        ));
    }

    #[test]
    fn verification_uses_nfkc_so_equivalent_forms_match() {
        let h = PasswordHasher::insecure_for_tests();
        // Full-width letters and a precomposed é vs e + combining acute.
        let stored = h.hash(&pw("ＡＢＣ caf\u{e9} 12345")).expect("hash");
        assert!(h.verify(&pw("ABC cafe\u{301} 12345"), &stored).is_ok());
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let h = PasswordHasher::insecure_for_tests();
        let long = "a1".repeat(100);
        let stored = h.hash(&pw(&long)).expect("hash");
        let mut other = long.clone();
        other.push('x');
        assert!(h.verify(&pw(&long), &stored).is_ok());
        assert!(h.verify(&pw(&other), &stored).is_err());
    }

    #[test]
    fn needs_rehash_when_parameters_change() {
        let cheap = PasswordHasher::insecure_for_tests();
        let stored = cheap.hash(&pw("correct horse 1")).expect("hash");
        assert!(!cheap.needs_rehash(&stored));
        let floor = PasswordHasher::new(HashParams::FLOOR).expect("floor params");
        assert!(floor.needs_rehash(&stored));
        // Old hashes still verify with a hasher configured differently.
        assert!(floor.verify(&pw("correct horse 1"), &stored).is_ok());
    }

    #[test]
    fn malformed_or_foreign_hashes_are_refused() {
        assert!(matches!(
            PasswordHash::from_phc("not a hash".to_owned()),
            Err(Error::MalformedHash)
        ));
        let argon2i =
            "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A";
        assert!(PasswordHash::from_phc(argon2i.to_owned()).is_err());
        let h = PasswordHasher::insecure_for_tests();
        let stored = h.hash(&pw("x")).expect("hash");
        let again = PasswordHash::from_phc(stored.as_phc().to_owned()).expect("round trip");
        assert!(h.verify(&pw("x"), &again).is_ok());
    }

    #[test]
    fn stored_hashes_asking_for_absurd_cost_are_refused() {
        let h = PasswordHasher::insecure_for_tests();
        let stored = h.hash(&pw("x")).expect("hash");
        for (from, to) in [
            ("m=64,", "m=4000000,"),
            ("t=1,", "t=4000,"),
            ("p=1$", "p=200$"),
        ] {
            let edited = stored.as_phc().replacen(from, to, 1);
            assert_ne!(edited, stored.as_phc());
            assert!(matches!(
                PasswordHash::from_phc(edited.clone()),
                Err(Error::MalformedHash)
            ));
            // Even if it reached `verify` some other way, nothing is computed.
            let forged = PasswordHash(SecretString::new(edited));
            assert!(matches!(
                h.verify(&pw("x"), &forged),
                Err(Error::MalformedHash)
            ));
        }
    }

    #[test]
    fn weak_parameters_are_refused() {
        let weak = HashParams {
            memory_kib: 4096,
            ..HashParams::FLOOR
        };
        assert!(matches!(
            PasswordHasher::new(weak),
            Err(Error::PolicyBelowBaseline { .. })
        ));
    }

    #[test]
    fn unknown_user_always_fails() {
        let h = PasswordHasher::insecure_for_tests();
        h.warm_up();
        assert!(matches!(
            h.verify_unknown_user(&pw("anything")),
            Err(Error::InvalidCredentials)
        ));
    }
}
