// SPDX-License-Identifier: GPL-2.0
// expect: ok
//! The control: correct use of the API compiles, so that the misuse checks fail for the
//! reason they name and not because nothing compiles.
use kernel::mm::MmWithUser;

/// One entry at a time from one guard, the young bit through the safe call.
pub fn sequential(mm: &MmWithUser, addr: usize) -> bool {
    let mut guard = mm.mmap_read_lock();
    let young = guard
        .lock_pte(addr)
        .is_some_and(|mut pte| pte.test_and_clear_young());
    let present = guard
        .lock_pte(addr + 4096)
        .is_some_and(|pte| pte.is_present());
    young && present
}
