// SPDX-License-Identifier: GPL-2.0
// expect: E0597
//! A locked entry that outlives its guard: its page table could be freed once the mmap
//! lock is dropped.
use kernel::mm::MmWithUser;

/// Does not compile: the entry borrows the guard.
pub fn outlives(mm: &MmWithUser, addr: usize) -> bool {
    let pte = {
        let mut guard = mm.mmap_read_lock();
        guard.lock_pte(addr)
    };
    pte.is_some()
}
