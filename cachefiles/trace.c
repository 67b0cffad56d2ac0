// SPDX-License-Identifier: GPL-2.0
/*
 * The cachefiles tracepoints (include/trace/events/cachefiles.h), created
 * in this module as the C cachefiles creates them, so trace-cmd and perf
 * scripts written for C find the same events, fields and formats. The
 * trace_*() calls are static inlines Rust cannot make; these wrappers make
 * them, taking plain values.
 *
 * The event header reads two members of C's private structures: an
 * object's debug_id and a volume's vcookie. These views hold just those
 * members; each wrapper fills one on its stack. (Nothing else ever sees
 * them: our objects are Rust's.) It also names the type of an object's
 * content byte, which coherency.rs encodes.
 */
#include <linux/cachefiles.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/fscache-cache.h>
#include <linux/module.h>
#include <linux/netfs.h>
#include <trace/events/netfs.h>

struct cachefiles_object {
	unsigned int debug_id;
};

struct cachefiles_volume {
	struct fscache_volume *vcookie;
};

enum cachefiles_content {
	CACHEFILES_CONTENT_NO_DATA	= 0,
	CACHEFILES_CONTENT_SINGLE	= 1,
	CACHEFILES_CONTENT_ALL		= 2,
	CACHEFILES_CONTENT_BACKFS_MAP	= 3,
	CACHEFILES_CONTENT_DIRTY	= 4,
	nr__cachefiles_content
};

#define CREATE_TRACE_POINTS
#include <trace/events/cachefiles.h>
#include "helpers.h"

/* The object for the event: has_obj false stands for C's NULL. */
#define OBJ(has_obj, id) \
	struct cachefiles_object _o = { .debug_id = (id) }; \
	struct cachefiles_object *obj = (has_obj) ? &_o : NULL

void fsrs_trace_ref(unsigned int obj, unsigned int cookie, int usage, int why)
{
	trace_cachefiles_ref(obj, cookie, usage, why);
}

void fsrs_trace_lookup(bool has_obj, unsigned int id, struct dentry *dir, struct dentry *de, int error)
{
	OBJ(has_obj, id);

	trace_cachefiles_lookup(obj, dir, de ? de : ERR_PTR(error));
}

void fsrs_trace_mkdir(struct dentry *dir, struct dentry *subdir)
{
	trace_cachefiles_mkdir(dir, subdir);
}

void fsrs_trace_tmpfile(unsigned int id, struct inode *backer)
{
	OBJ(true, id);

	trace_cachefiles_tmpfile(obj, backer);
}

void fsrs_trace_link(unsigned int id, struct inode *backer)
{
	OBJ(true, id);

	trace_cachefiles_link(obj, backer);
}

void fsrs_trace_unlink(bool has_obj, unsigned int id, ino_t ino, int why)
{
	OBJ(has_obj, id);

	trace_cachefiles_unlink(obj, ino, why);
}

void fsrs_trace_rename(bool has_obj, unsigned int id, ino_t ino, int why)
{
	OBJ(has_obj, id);

	trace_cachefiles_rename(obj, ino, why);
}

void fsrs_trace_coherency(unsigned int id, ino_t ino, u8 content, int why)
{
	OBJ(true, id);

	trace_cachefiles_coherency(obj, ino, content, why);
}

void fsrs_trace_vol_coherency(struct fscache_volume *vcookie, ino_t ino, int why)
{
	struct cachefiles_volume v = { .vcookie = vcookie };

	trace_cachefiles_vol_coherency(&v, ino, why);
}

void fsrs_trace_prep_read(bool has_obj, unsigned int id, loff_t start, size_t len,
		   unsigned short flags, int source, int why, ino_t cache_inode,
		   ino_t netfs_inode)
{
	OBJ(has_obj, id);

	trace_cachefiles_prep_read(obj, start, len, flags, source, why, cache_inode,
				   netfs_inode);
}

void fsrs_trace_read(unsigned int id, struct inode *backer, loff_t start, size_t len)
{
	OBJ(true, id);

	trace_cachefiles_read(obj, backer, start, len);
}

void fsrs_trace_write(unsigned int id, struct inode *backer, loff_t start, size_t len)
{
	OBJ(true, id);

	trace_cachefiles_write(obj, backer, start, len);
}

void fsrs_trace_trunc(unsigned int id, struct inode *backer, loff_t from, loff_t to, int why)
{
	OBJ(true, id);

	trace_cachefiles_trunc(obj, backer, from, to, why);
}

void fsrs_trace_mark_active(bool has_obj, unsigned int id, struct inode *inode)
{
	OBJ(has_obj, id);

	trace_cachefiles_mark_active(obj, inode);
}

void fsrs_trace_mark_failed(bool has_obj, unsigned int id, struct inode *inode)
{
	OBJ(has_obj, id);

	trace_cachefiles_mark_failed(obj, inode);
}

void fsrs_trace_mark_inactive(bool has_obj, unsigned int id, struct inode *inode)
{
	OBJ(has_obj, id);

	trace_cachefiles_mark_inactive(obj, inode);
}

void fsrs_trace_vfs_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where)
{
	OBJ(has_obj, id);

	trace_cachefiles_vfs_error(obj, backer, error, where);
}

void fsrs_trace_io_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where)
{
	OBJ(has_obj, id);

	trace_cachefiles_io_error(obj, backer, error, where);
}

/*
 * The on-demand events. They read a message's ids and a payload's fields:
 * the wrappers build those on the stack from the values given.
 */
void fsrs_trace_od_open(unsigned int id, u32 msg_id, u32 object_id, u32 fd, u32 flags)
{
	OBJ(true, id);
	struct cachefiles_msg msg = { .msg_id = msg_id, .object_id = object_id };
	struct cachefiles_open load = { .fd = fd, .flags = flags };

	trace_cachefiles_ondemand_open(obj, &msg, &load);
}

void fsrs_trace_od_copen(unsigned int id, u32 msg_id, long len)
{
	OBJ(true, id);

	trace_cachefiles_ondemand_copen(obj, msg_id, len);
}

void fsrs_trace_od_close(unsigned int id, u32 msg_id, u32 object_id)
{
	OBJ(true, id);
	struct cachefiles_msg msg = { .msg_id = msg_id, .object_id = object_id };

	trace_cachefiles_ondemand_close(obj, &msg);
}

void fsrs_trace_od_read(unsigned int id, u32 msg_id, u32 object_id, u64 off, u64 len)
{
	OBJ(true, id);
	struct cachefiles_msg msg = { .msg_id = msg_id, .object_id = object_id };
	struct cachefiles_read load = { .off = off, .len = len };

	trace_cachefiles_ondemand_read(obj, &msg, &load);
}

void fsrs_trace_od_cread(unsigned int id, u32 msg_id)
{
	OBJ(true, id);

	trace_cachefiles_ondemand_cread(obj, msg_id);
}

void fsrs_trace_od_fd_write(unsigned int id, struct inode *backer, loff_t start, size_t len)
{
	OBJ(true, id);

	trace_cachefiles_ondemand_fd_write(obj, backer, start, len);
}

void fsrs_trace_od_fd_release(unsigned int id, int object_id)
{
	OBJ(true, id);

	trace_cachefiles_ondemand_fd_release(obj, object_id);
}
