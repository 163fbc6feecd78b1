// SPDX-License-Identifier: GPL-2.0
// expect: E0499
//! Two locked entries from one guard: the second could take the same page-table lock again.
use kernel::mm::MmWithUser;

/// Does not compile: `lock_pte()` borrows the guard exclusively.
pub fn two(mm: &MmWithUser, addr: usize) {
    let mut guard = mm.mmap_read_lock();
    let a = guard.lock_pte(addr);
    let b = guard.lock_pte(addr + 4096);
    drop((a, b));
}
