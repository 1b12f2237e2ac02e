//! Randomness from the operating system, and nothing else.
//!
//! Every secret this crate makes (salts, TOTP secrets, recovery codes, session tokens)
//! comes from here. A generator failure is an error, never a panic and never a fallback.

use rampart_secret::Secret;
use rand::TryRngCore;
use rand::rngs::OsRng;
use zeroize::Zeroize;

use crate::Error;

/// `N` bytes from the OS generator, zeroized when dropped.
pub(crate) fn bytes<const N: usize>() -> Result<Secret<[u8; N]>, Error> {
    let mut tmp = [0u8; N];
    let result = OsRng.try_fill_bytes(&mut tmp).map_err(|_| Error::Rng);
    let out = Secret::new(tmp);
    // `[u8; N]` is `Copy`: clear the stack copy too.
    tmp.zeroize();
    result.map(|()| out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_draws_differ() {
        let a = super::bytes::<32>().expect("os rng");
        let b = super::bytes::<32>().expect("os rng");
        assert_ne!(a.expose(), b.expose());
    }
}
