//! The `Send`/`Sync` bounds that only the `parallel` feature needs: with it, sources and
//! stores are read from several threads; without it, any type will do. The traits are public
//! (they bound the public [`super::BlobSource`] and [`super::SliverStore`]) but sealed in this
//! private module: nothing outside the crate can name or implement them, and every type
//! already implements them when it satisfies the bound.

/// `Sync` with the `parallel` feature (sources are read from several threads), no bound
/// without it.
#[cfg(feature = "parallel")]
pub trait MaybeSync: Sync {}
#[cfg(feature = "parallel")]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` with the `parallel` feature (sources are read from several threads), no bound
/// without it.
#[cfg(not(feature = "parallel"))]
pub trait MaybeSync {}
#[cfg(not(feature = "parallel"))]
impl<T: ?Sized> MaybeSync for T {}

/// `Send` with the `parallel` feature, no bound without it.
#[cfg(feature = "parallel")]
pub trait MaybeSend: Send {}
#[cfg(feature = "parallel")]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` with the `parallel` feature, no bound without it.
#[cfg(not(feature = "parallel"))]
pub trait MaybeSend {}
#[cfg(not(feature = "parallel"))]
impl<T: ?Sized> MaybeSend for T {}
