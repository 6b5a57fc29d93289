// SPDX-License-Identifier: MIT OR Apache-2.0
//! SASL mechanisms (RFC 4954) and the choice between them.
//!
//! PLAIN (RFC 4616) is sent with an initial response: one round trip.
//! LOGIN (draft-murchison-sasl-login) sends user and password as answers to
//! two 334 challenges. The choice takes the first mechanism in
//! `PREFERENCE` that both the server offers and the caller allows.

/// One SASL mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mechanism {
    /// RFC 4616.
    Plain = 1 << 0,
    /// The LOGIN mechanism.
    Login = 1 << 1,
}

/// Preference order when several mechanisms are possible.
pub(crate) const PREFERENCE: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

/// A set of mechanisms (the C API's `IP_SMTPC_AUTH_*` bit mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mechanisms(u8);

impl Mechanisms {
    /// Every mechanism this build implements.
    pub const ALL: Mechanisms = Mechanisms(Mechanism::Plain as u8 | Mechanism::Login as u8);
    /// The empty set.
    pub const NONE: Mechanisms = Mechanisms(0);

    /// From a C bit mask; unknown bits are dropped, 0 means every mechanism built.
    pub fn from_mask(mask: u32) -> Mechanisms {
        if mask == 0 {
            return Mechanisms::ALL;
        }
        Mechanisms((mask & u32::from(Mechanisms::ALL.0)) as u8)
    }

    /// The set plus `m`.
    pub fn with(self, m: Mechanism) -> Mechanisms {
        Mechanisms(self.0 | m as u8)
    }

    /// The set plus the mechanism called `name` (case-insensitive), if known.
    pub fn with_name(self, name: &[u8]) -> Mechanisms {
        match Mechanism::from_name(name) {
            Some(m) => self.with(m),
            None => self,
        }
    }

    /// `true` when `m` is in the set.
    pub fn contains(self, m: Mechanism) -> bool {
        self.0 & m as u8 != 0
    }

    /// `true` when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The preferred mechanism in both `self` (offered) and `allowed`.
    pub fn choose(self, allowed: Mechanisms) -> Option<Mechanism> {
        PREFERENCE
            .iter()
            .copied()
            .find(|&m| self.contains(m) && allowed.contains(m))
    }
}

impl Mechanism {
    /// The IANA name.
    pub fn name(self) -> &'static [u8] {
        match self {
            Mechanism::Plain => b"PLAIN",
            Mechanism::Login => b"LOGIN",
        }
    }

    /// The mechanism called `name`, case-insensitive.
    pub fn from_name(name: &[u8]) -> Option<Mechanism> {
        PREFERENCE
            .iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_follows_preference_and_allowed_list() {
        let offered = Mechanisms::NONE
            .with_name(b"login")
            .with_name(b"PLAIN")
            .with_name(b"CRAM-MD5");
        assert_eq!(offered.choose(Mechanisms::ALL), Some(Mechanism::Plain));
        assert_eq!(
            offered.choose(Mechanisms::from_mask(Mechanism::Login as u32)),
            Some(Mechanism::Login)
        );
        let only_login = Mechanisms::NONE.with(Mechanism::Login);
        assert_eq!(
            only_login.choose(Mechanisms::from_mask(Mechanism::Plain as u32)),
            None
        );
        assert_eq!(Mechanisms::NONE.choose(Mechanisms::ALL), None);
    }

    #[test]
    fn mask_zero_means_all_and_unknown_bits_drop() {
        assert_eq!(Mechanisms::from_mask(0), Mechanisms::ALL);
        assert_eq!(Mechanisms::from_mask(0x80), Mechanisms::NONE);
    }
}
