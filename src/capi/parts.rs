// SPDX-License-Identifier: MIT OR Apache-2.0
//! emNet multipart items (and the streamed body of `IP_SMTPC_SendEx`) as
//! [`Parts`], and the extra-header array as a [`TextList`].
//!
//! `pfSendItem(pContext, pItem, pAPI)` pushes content by calling
//! `pAPI->pfSend(pContext, pData, NumBytes)` any number of times; `pContext`
//! points to a [`StreamContext`] that forwards the bytes to the encoder.

use core::ffi::{c_char, c_uint};

use super::strings::bounded;
use super::types::*;
use crate::cursor::Out;
use crate::error::Error;
use crate::limits::MAX_HEADER_LINE_LEN;
use crate::message::content::{validate_attachment, Attachment, Parts};
use crate::message::TextList;

/// The C items and the optional body item.
pub struct CParts<'a> {
    pub items: &'a [IP_SMTPC_MULTIPART_ITEM],
    pub body: Option<&'a IP_SMTPC_MULTIPART_ITEM>,
}

/// What `pContext` points to while an item streams.
struct StreamContext<'o> {
    out: &'o mut dyn Out,
    failed: bool,
}

/// `IP_SMTPC_MULTIPART_API.pfSend`.
unsafe extern "C" fn multipart_send(
    pContext: *mut IP_SMTPC_CONTEXT,
    pData: *const c_char,
    NumBytes: c_uint,
) {
    // SAFETY: pContext is the StreamContext that `stream_item` passed to
    // pfSendItem, alive for the whole pfSendItem call.
    let Some(context) = (unsafe { pContext.cast::<StreamContext<'_>>().as_mut() }) else {
        return;
    };
    if NumBytes == 0 {
        return;
    }
    if pData.is_null() {
        context.failed = true;
        return;
    }
    // SAFETY: the item callback passes NumBytes readable bytes at pData.
    let data = unsafe { core::slice::from_raw_parts(pData.cast::<u8>(), NumBytes as usize) };
    context.out.put(data);
}

/// Runs one item's `pfSendItem` with `out` behind `pContext`.
fn stream_item(item: &IP_SMTPC_MULTIPART_ITEM, out: &mut dyn Out) -> Result<(), Error> {
    let Some(send_item) = item.pfSendItem else {
        return Err(Error::InvalidAttachment);
    };
    let api = IP_SMTPC_MULTIPART_API {
        pfSend: Some(multipart_send),
    };
    let mut context = StreamContext { out, failed: false };
    let pointer = (&mut context as *mut StreamContext<'_>).cast::<IP_SMTPC_CONTEXT>();
    // SAFETY: item and api outlive the call; pContext points to `context`,
    // which only multipart_send dereferences, during this call.
    let result = unsafe { send_item(pointer, item, &api) };
    if result < 0 || context.failed {
        return Err(Error::ApplicationAbort);
    }
    Ok(())
}

/// Reads an item's description with its bounds.
///
/// # Safety
/// The item's strings are NULL or readable to their NUL or bound.
pub unsafe fn describe(item: &IP_SMTPC_MULTIPART_ITEM) -> Result<Attachment<'_>, Error> {
    // SAFETY: by this function's contract.
    let content_type =
        unsafe { bounded(item.sContentType, 200) }.ok_or(Error::InvalidAttachment)?;
    // SAFETY: by this function's contract.
    let filename = unsafe { bounded(item.sFilename, 255) }.ok_or(Error::InvalidAttachment)?;
    let content_type = if content_type.is_empty() {
        &b"application/octet-stream"[..]
    } else {
        content_type
    };
    let attachment = Attachment {
        filename,
        content_type,
    };
    validate_attachment(&attachment)?;
    if item.pfSendItem.is_none() {
        return Err(Error::InvalidAttachment);
    }
    Ok(attachment)
}

impl Parts for CParts<'_> {
    fn count(&self) -> usize {
        self.items.len()
    }
    fn attachment(&self, index: usize) -> Option<Attachment<'_>> {
        // SAFETY: every item was checked by `describe` before connecting and
        // stays valid during the call.
        self.items
            .get(index)
            .and_then(|item| unsafe { describe(item) }.ok())
    }
    fn stream(&mut self, index: usize, out: &mut dyn Out) -> Result<(), Error> {
        let item = self.items.get(index).ok_or(Error::InvalidAttachment)?;
        stream_item(item, out)
    }
    fn has_body_stream(&self) -> bool {
        self.body.is_some()
    }
    fn stream_body(&mut self, out: &mut dyn Out) -> Result<(), Error> {
        self.body.map_or(Ok(()), |item| stream_item(item, out))
    }
}

/// The caller's `pasHeader` array.
pub struct CHeaders<'a> {
    pub lines: &'a [*const c_char],
}

impl TextList for CHeaders<'_> {
    fn count(&self) -> usize {
        self.lines.len()
    }
    fn get(&self, index: usize) -> Option<&[u8]> {
        let line = *self.lines.get(index)?;
        // SAFETY: the caller's strings are NUL-terminated or longer than the bound.
        unsafe { bounded(line, MAX_HEADER_LINE_LEN) }
    }
}
