// SPDX-License-Identifier: GPL-2.0
// expect: E0133
//! Clearing flags other than Accessed from safe code (here Present: a swap entry).
use kernel::mm::{pte::PteFlags, MmWithUser};

/// Does not compile: `test_and_clear_flags()` is an `unsafe fn`.
pub fn clear_present(mm: &MmWithUser, addr: usize) {
    let mut guard = mm.mmap_read_lock();
    if let Some(mut pte) = guard.lock_pte(addr) {
        pte.test_and_clear_flags(PteFlags::PRESENT);
    };
}
