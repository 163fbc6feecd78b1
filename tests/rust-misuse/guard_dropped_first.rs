// SPDX-License-Identifier: GPL-2.0
// expect: E0505
//! Dropping the guard (the mmap read lock) while its locked entry is still in use: the page
//! table could be freed under it.
use kernel::mm::MmWithUser;

/// Does not compile: the entry borrows the guard, which cannot be moved out meanwhile.
pub fn guard_first(mm: &MmWithUser, addr: usize) -> bool {
    let mut guard = mm.mmap_read_lock();
    let pte = guard.lock_pte(addr);
    drop(guard);
    pte.is_some()
}
