// SPDX-License-Identifier: MIT OR Apache-2.0
//! The MX answer parser (`mx::parse`, `feature mx`) on arbitrary DNS
//! responses, and the query writer on arbitrary domains.
//!
//! Input: byte 0 = length L of the domain (taken modulo the input's
//! length), byte 1 = the shuffle seed, then L bytes of domain, then the
//! response. Properties: no panic; `query` accepts exactly the domains
//! `check_domain` accepts and writes a question `parse` recognises; a
//! parsed list has 1..=MAX_HOSTS hosts in non-decreasing preference, each
//! name decodes to a host name (dotted LDH labels, at most 253 characters,
//! NUL-terminated); the same seed gives the same list; the implicit MX is
//! the domain itself. Seeds: dnsmasq's answers for the test bed's domains.
#![no_main]

use ip_smtpc::mx::{check_domain, parse, query, MAX_HOSTS, NAME_SIZE, QUERY_SIZE};
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (Some(&len), Some(&seed)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = &data[2..];
    let len = usize::from(len).min(rest.len());
    let (domain, answer) = rest.split_at(len);

    let mut q = [0u8; QUERY_SIZE];
    match (query(domain, 0x4242, &mut q), check_domain(domain)) {
        (Ok(n), Ok(())) => {
            assert!(n <= QUERY_SIZE);
            // The query as an (empty) answer: QR set, nothing else: the implicit MX.
            let mut own = q[..n].to_vec();
            own[2] |= 0x80;
            let hosts = parse(&own, domain, 0).expect("own question");
            assert_eq!(hosts.len(), 1);
            let mut name = [0u8; NAME_SIZE];
            let k = hosts
                .name(0, &own, domain, &mut name)
                .expect("implicit name");
            let trimmed = domain.strip_suffix(b".").unwrap_or(domain);
            assert_eq!(&name[..k], trimmed);
        }
        (Err(Error::InvalidMxDomain), Err(Error::InvalidMxDomain)) => {
            assert_eq!(parse(answer, domain, 0), Err(Error::InvalidMxDomain));
            return;
        }
        other => panic!("query and check_domain disagree: {other:?}"),
    }

    let seed = u64::from(seed) * 0x9e37_79b9;
    let result = parse(answer, domain, seed);
    assert_eq!(
        result,
        parse(answer, domain, seed),
        "same seed, same answer"
    );
    let Ok(hosts) = result else {
        return;
    };
    assert!((1..=MAX_HOSTS).contains(&hosts.len()));
    let mut last = 0;
    for i in 0..hosts.len() {
        let pref = hosts.preference(i).expect("preference");
        assert!(pref >= last, "order");
        last = pref;
        let mut name = [0xffu8; NAME_SIZE];
        let n = hosts
            .name(i, answer, domain, &mut name)
            .expect("a parsed name decodes");
        assert_eq!(name[n], 0, "NUL-terminated");
        assert!(n <= 253);
        check_domain(&name[..n]).expect("a host name");
    }
    assert!(hosts.preference(hosts.len()).is_none());
});
