//! Work over tasks, in parallel with the `parallel` feature: one state (a Reed-Solomon
//! encoder, scratch buffers) per thread, reused across calls from a per-thread pool.

use alloc::vec::Vec;

use super::bounds::{MaybeSend, MaybeSync};
use super::rs::RsEncoder;
use crate::merkle::DIGEST_LEN;

/// Calls `f(encoder, i, &mut tasks[i])` for every task, stopping at the first error.
pub(crate) fn for_each_task<T: MaybeSend, E: MaybeSend>(
    tasks: &mut [T],
    f: impl Fn(&mut RsEncoder, usize, &mut T) -> Result<(), E> + MaybeSync + MaybeSend,
) -> Result<(), E> {
    for_each_task_with(tasks, f)
}

/// Per-thread pools of task states (Reed-Solomon work buffers, scratch vectors), so that
/// repeated calls reuse their memory instead of faulting in fresh pages each time.
#[cfg(feature = "parallel")]
mod pool {
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::any::Any;
    use core::cell::RefCell;

    std::thread_local! {
        static STATES: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
    }

    /// A state taken from this thread's pool (or created), returned to it when dropped.
    pub(super) struct Pooled<C: 'static>(Option<C>);

    impl<C: Default + 'static> Pooled<C> {
        pub(super) fn take() -> Self {
            let reused = STATES.with(|states| {
                let mut states = states.borrow_mut();
                let i = states.iter().position(|state| state.is::<C>())?;
                states.swap_remove(i).downcast::<C>().ok()
            });
            Self(Some(reused.map_or_else(C::default, |state| *state)))
        }

        pub(super) fn get(&mut self) -> &mut C {
            self.0.get_or_insert_with(C::default)
        }
    }

    impl<C: 'static> Drop for Pooled<C> {
        fn drop(&mut self) {
            if let Some(state) = self.0.take() {
                // During thread teardown the pool may be gone: the state is then just dropped.
                let _ = STATES.try_with(|states| states.borrow_mut().push(Box::new(state)));
            }
        }
    }
}

/// Calls `f(state, i, &mut tasks[i])` for every task, stopping at the first error; each
/// thread has its own `state`, created with `C::default()` (with `parallel`, reused from a
/// per-thread pool across calls).
pub(crate) fn for_each_task_with<C: Default + 'static, T: MaybeSend, E: MaybeSend>(
    tasks: &mut [T],
    f: impl Fn(&mut C, usize, &mut T) -> Result<(), E> + MaybeSync + MaybeSend,
) -> Result<(), E> {
    #[cfg(feature = "parallel")]
    {
        // Dynamic scheduling (uneven reads balance out) over at most four pieces per thread, so
        // that states (Reed-Solomon work buffers) are created a few times, not once per task.
        use rayon::prelude::*;
        let min_len = tasks.len().div_ceil(4 * rayon::current_num_threads()).max(1);
        tasks
            .par_iter_mut()
            .enumerate()
            .with_min_len(min_len)
            .try_for_each_init(pool::Pooled::<C>::take, |state, (i, task)| f(state.get(), i, task))
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut state = C::default();
        for (i, task) in tasks.iter_mut().enumerate() {
            f(&mut state, i, task)?;
        }
        Ok(())
    }
}

/// Buffers of one root computation: the gathered leaves of a tree and the Merkle scratch.
pub(super) type RootBuffers = (Vec<[u8; DIGEST_LEN]>, Vec<[u8; DIGEST_LEN]>);

/// `(0..count).map(|i| f(buffers, i))` collected, in parallel with the `parallel` feature
/// (buffers per task).
pub(super) fn map_collect<T: MaybeSend>(
    count: usize,
    f: impl Fn(&mut RootBuffers, usize) -> T + MaybeSync + MaybeSend,
) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..count).into_par_iter().map_init(RootBuffers::default, f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut buffers = RootBuffers::default();
        (0..count).map(|i| f(&mut buffers, i)).collect()
    }
}
