// SPDX-License-Identifier: GPL-2.0
// expect: E0596
//! Locking an entry through a shared borrow of the guard (the way to hold two at once).
use kernel::mm::MmapReadGuard;

/// Does not compile: `lock_pte()` needs `&mut MmapReadGuard`.
pub fn shared(guard: &MmapReadGuard<'_>, addr: usize) -> bool {
    guard.lock_pte(addr).is_some()
}
