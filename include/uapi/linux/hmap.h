/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/hmap ioctl interface.
 *
 * The hmap module keeps hash maps in kernel memory: one served on the misc
 * device /dev/hmap, whose limits are the module parameters max_key_size,
 * max_value_size and max_entries, and any number of named maps, each with
 * its own limits, that are files of the hmap filesystem (see "Named maps"
 * below). Keys and values are byte strings; HMAP_IOC_STATS gives a map's
 * limits. Every map command works the same on /dev/hmap and on a named
 * map's file.
 */
#ifndef _UAPI_LINUX_HMAP_H
#define _UAPI_LINUX_HMAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * Every command takes a pointer to a structure whose first __u32 is @size:
 * the caller sets it to sizeof() the structure as the caller knows it. The
 * kernel reads @size bytes; a structure shorter than the first version of
 * the command's structure is refused (EINVAL), a shorter-than-current one
 * is zero-extended, and the bytes of a longer one that the kernel does not
 * know must be zero (EINVAL otherwise), so the structures can grow at the
 * end without new command numbers (the copy_struct_from_user() contract).
 * Commands with results (get, take, batch, dump, stats) write them back
 * into the first @size bytes of the same structure, which must therefore
 * be writable (EFAULT otherwise, before anything is done); the others
 * never write to it. Because the structure size lives in @size, the command numbers
 * are defined with _IO() and do not encode it (as iommufd's do), and they
 * never change when a structure grows. All pointers are __u64; all fields
 * are naturally aligned with explicit padding, so 32-bit callers on a
 * 64-bit kernel use the same layout.
 *
 * Errors shared by every command:
 *
 *  - ENOTTY: unknown command number.
 *  - EFAULT: the structure, or a buffer it points to, is not accessible.
 *  - EINVAL: @size too small or larger than a page, a non-zero byte the
 *    kernel does not know, an unknown flag, a non-zero reserved field, or
 *    a zero key length.
 *  - EBADF: the command changes the map but the file was not opened for
 *    writing, or it reads the map but the file was not opened for reading.
 *  - EMSGSIZE: a key longer than max_key_size, or (put) a value longer
 *    than max_value_size.
 *  - ENOMEM: out of memory; the map is unchanged.
 *
 * A command that fails leaves the map exactly as it was; HMAP_IOC_BATCH
 * applies its operations in order and stops at the first that fails.
 */

/* Not in Documentation/userspace-api/ioctl/ioctl-number.rst as of 6.12. */
#define HMAP_IOC_MAGIC		0xE8

/* Flags of a put, with the meaning of BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
#define HMAP_PUT_ANY		0	/* create or update */
#define HMAP_PUT_NOEXIST	1	/* create only */
#define HMAP_PUT_EXIST		2	/* update only */

/**
 * struct hmap_ioc_elem - argument of put, get, delete and take
 * @size: sizeof(struct hmap_ioc_elem).
 * @flags: put: one of HMAP_PUT_*; the other commands: must be 0.
 * @key: user pointer to the key.
 * @value: user pointer to the value (put) or to the buffer that receives
 *	it (get, take); ignored by delete.
 * @key_len: bytes of key; 1..max_key_size.
 * @value_len: put: bytes of value, 0..max_value_size. get, take: in, the
 *	size of the buffer at @value; out, the length of the value, also
 *	when the call fails with ENOSPC. Ignored by delete.
 */
struct hmap_ioc_elem {
	__u32 size;
	__u32 flags;
	__u64 key;
	__u64 value;
	__u32 key_len;
	__u32 value_len;
};

/*
 * HMAP_IOC_PUT - insert or update one key.
 * EEXIST: HMAP_PUT_NOEXIST and the key is present.
 * ENOENT: HMAP_PUT_EXIST and the key is absent.
 * E2BIG: a new key and the map holds max_entries keys.
 */
#define HMAP_IOC_PUT		_IO(HMAP_IOC_MAGIC, 0x01)

/*
 * HMAP_IOC_GET - copy one key's value into the caller's buffer.
 * ENOENT: the key is absent.
 * ENOSPC: the buffer is too small; @value_len says how long the value is
 *	(call with @value_len = 0 to ask for the length).
 */
#define HMAP_IOC_GET		_IO(HMAP_IOC_MAGIC, 0x02)

/*
 * HMAP_IOC_DELETE - remove one key.
 * ENOENT: the key is absent.
 */
#define HMAP_IOC_DELETE		_IO(HMAP_IOC_MAGIC, 0x03)

/*
 * HMAP_IOC_TAKE - lookup-and-delete: get, then remove, in one step.
 *
 * The value and the structure (@value_len) are written before the key is
 * removed, and the key is removed only if it still has the value written
 * (when another caller updates it meanwhile, the take starts over). So a
 * take that returns 0 has delivered the value and removed the key, and a
 * take that fails, whatever the error, has not removed the key. After an
 * error other than ENOSPC the buffer at @value may have been written.
 * ENOENT, ENOSPC: as HMAP_IOC_GET.
 * EFAULT: the buffer at @value or the structure is not writable.
 * EAGAIN: others kept updating the key between the copy and the removal,
 *	several times over; call again.
 * EINTR: a signal arrived while the take was starting over.
 * Needs a file opened for reading and writing.
 */
#define HMAP_IOC_TAKE		_IO(HMAP_IOC_MAGIC, 0x04)

/* Operations of a batch. */
#define HMAP_OP_PUT		1
#define HMAP_OP_GET		2
#define HMAP_OP_DELETE		3
#define HMAP_OP_TAKE		4

/**
 * struct hmap_ioc_batch_op - one operation of a batch
 * @op: HMAP_OP_*.
 * @flags: as &struct hmap_ioc_elem.flags for the same command.
 * @key: as &struct hmap_ioc_elem.key.
 * @value: as &struct hmap_ioc_elem.value.
 * @key_len: as &struct hmap_ioc_elem.key_len.
 * @value_len: as &struct hmap_ioc_elem.value_len; get and take write the
 *	value's length back here.
 */
struct hmap_ioc_batch_op {
	__u32 op;
	__u32 flags;
	__u64 key;
	__u64 value;
	__u32 key_len;
	__u32 value_len;
};

/**
 * struct hmap_ioc_batch - argument of HMAP_IOC_BATCH
 * @size: sizeof(struct hmap_ioc_batch).
 * @flags: must be 0.
 * @ops: user pointer to an array of operations.
 * @count: in, the number of operations; out, the number done.
 * @op_size: sizeof(struct hmap_ioc_batch_op): the stride of the array,
 *	which follows the same extension rules as @size.
 */
struct hmap_ioc_batch {
	__u32 size;
	__u32 flags;
	__u64 ops;
	__u32 count;
	__u32 op_size;
};

/*
 * HMAP_IOC_BATCH - many puts, gets, deletes and takes in one call.
 *
 * The operations run in order, each exactly as the single command would
 * (a batch is not atomic: other callers may run between two operations).
 * The batch stops at the first operation that fails and returns its error;
 * @count then holds the number of operations done, which is also the index
 * of the one that failed. The errors are those of the single commands, and
 * also EINTR: a signal arrived; @count says how far the batch got. If
 * the call fails before the first operation (a bad &struct hmap_ioc_batch)
 * @count is not written. A put or delete on a file not opened for writing
 * fails with EBADF at that operation.
 *
 * @count is written as the batch goes, and an operation that changes the
 * map counts itself done before the change (and not done again if the
 * change fails), so whatever the error, EFAULT included, the operations
 * that @count says were done were done, and the others were not: a take
 * that @count does not include has not removed its key. This holds even if
 * the caller's memory becomes unwritable during the call: the kernel pins
 * the page(s) of @count for the call and writes it through its own mapping
 * (if the caller replaces that memory, with munmap() and mmap(), the count
 * lands in the memory that was there). When @count cannot be pinned for
 * writing, the call fails with EFAULT before the first operation.
 */
#define HMAP_IOC_BATCH		_IO(HMAP_IOC_MAGIC, 0x05)

/**
 * struct hmap_ioc_rec - one entry in a dump buffer
 * @key_len: bytes of key that follow this header.
 * @value_len: bytes of value that follow the key.
 *
 * The next record starts HMAP_REC_SIZE(@key_len, @value_len) bytes after
 * this one.
 */
struct hmap_ioc_rec {
	__u32 key_len;
	__u32 value_len;
};

#define HMAP_REC_ALIGN		8
#define HMAP_REC_SIZE(klen, vlen) \
	((sizeof(struct hmap_ioc_rec) + (klen) + (vlen) + HMAP_REC_ALIGN - 1) & \
	 ~(__u64)(HMAP_REC_ALIGN - 1))

/**
 * struct hmap_ioc_dump - argument of HMAP_IOC_DUMP
 * @size: sizeof(struct hmap_ioc_dump).
 * @flags: must be 0.
 * @cursor: opaque position: 0 to start a dump; pass back what the previous
 *	call wrote here to continue. It is 0 again once @done is 1.
 * @buf: user pointer to the buffer that receives the records.
 * @buf_size: bytes at @buf.
 * @buf_used: out: bytes of records written; on ENOSPC, the size of the
 *	buffer the next record (or group of records, see HMAP_IOC_DUMP)
 *	needs.
 * @count: out: records written.
 * @done: out: 1 once the dump has covered the whole map (possibly in a
 *	call that also returned records), else 0.
 */
struct hmap_ioc_dump {
	__u32 size;
	__u32 flags;
	__u64 cursor;
	__u64 buf;
	__u32 buf_size;
	__u32 buf_used;
	__u32 count;
	__u32 done;
};

/*
 * HMAP_IOC_DUMP - read a batch of entries.
 *
 * Fills @buf with as many records (struct hmap_ioc_rec, key, value, padding)
 * as fit. Call it again with the returned @cursor until @done is 1. Every
 * key that stays in the map, unchanged or updated, for the whole dump is
 * returned exactly once, even if the map grows, shrinks or is rebuilt
 * between calls; a key inserted or deleted during the dump may or may not
 * be returned. Dumping does not change the map.
 * ENOSPC: @buf cannot hold the next record; @buf_used says how big it must
 *	be, and @cursor is unchanged. (Entries whose keyed hashes are equal
 *	come in one call, never split between two: then @buf_used is the
 *	size of all their records.)
 * EINTR: a signal arrived before any record was copied.
 * EFAULT: @buf is not writable; @cursor is not updated, so the call can be
 *	repeated with a good buffer.
 */
#define HMAP_IOC_DUMP		_IO(HMAP_IOC_MAGIC, 0x06)

/* Values of &struct hmap_ioc_stats.resize. */
#define HMAP_RESIZING_NONE	0	/* no resize in progress */
#define HMAP_RESIZING_GROW	1	/* doubling the bucket array */
#define HMAP_RESIZING_SAME_SIZE	2	/* rebuilding to compact overflow chains */
#define HMAP_RESIZING_SHRINK	3	/* halving the bucket array */

/*
 * HMAP_RESIZING_KINDS(X, LAST) - every HMAP_RESIZING_* value with its name,
 * the one list that sysfs, the tracepoints and hmapctl print from:
 * X(value, name) for each kind but the last, LAST(value, name) for the
 * last (for lists that take no trailing separator).
 */
#define HMAP_RESIZING_KINDS(X, LAST)			\
	X(HMAP_RESIZING_NONE, "none")			\
	X(HMAP_RESIZING_GROW, "grow")			\
	X(HMAP_RESIZING_SAME_SIZE, "same_size")		\
	LAST(HMAP_RESIZING_SHRINK, "shrink")

/**
 * struct hmap_ioc_stats - argument of HMAP_IOC_STATS
 * @size: sizeof(struct hmap_ioc_stats).
 * @flags: must be 0.
 * @id: the map's id, as the hmap tracepoints report it.
 * @max_entries: the most keys the map may hold.
 * @count: keys in the map.
 * @max_key_size: the longest key, in bytes.
 * @max_value_size: the longest value, in bytes.
 * @log2_buckets: the map has 2^@log2_buckets buckets (the new array during
 *	a resize).
 * @resize: the resize in progress, a HMAP_RESIZING_* value.
 * @old_log2_buckets: log2 of the bucket count of the array being
 *	evacuated, when @resize is not HMAP_RESIZING_NONE.
 * @__reserved: zero.
 * @nevacuate: old buckets below this index are all evacuated.
 * @old_buckets: buckets in the array being evacuated (0 when none).
 * @overflow_buckets: overflow buckets chained in the current array.
 * @grows: doubling resizes started since the map was created.
 * @same_size_grows: same-size rebuilds started since the map was created.
 * @shrinks: halving resizes started since the map was created.
 * @evacuated_by_writes: old bucket chains evacuated by puts and deletes.
 * @evacuated_by_worker: old bucket chains evacuated by the background
 *	worker.
 * @memory_bytes: bytes allocated for buckets and entries; summed over CPUs,
 *	exact only while no write runs.
 *
 * Everything after @flags is written by the kernel.
 */
struct hmap_ioc_stats {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 max_entries;
	__u64 count;
	__u32 max_key_size;
	__u32 max_value_size;
	__u32 log2_buckets;
	__u32 resize;
	__u32 old_log2_buckets;
	__u32 __reserved;
	__u64 nevacuate;
	__u64 old_buckets;
	__u64 overflow_buckets;
	__u64 grows;
	__u64 same_size_grows;
	__u64 shrinks;
	__u64 evacuated_by_writes;
	__u64 evacuated_by_worker;
	__u64 memory_bytes;
};

/*
 * HMAP_STATS_FIELDS(X) - the statistics of &struct hmap_ioc_stats, the one
 * list that the kernel copies them by, that names its sysfs files
 * (/sys/class/misc/hmap/<name>) and that hmapctl prints: X(name, format)
 * in the order tools print them, where format is number, or resizing for
 * a HMAP_RESIZING_* value printed by its name (HMAP_RESIZING_KINDS).
 */
#define HMAP_STATS_FIELDS(X)				\
	X(id, number)					\
	X(count, number)				\
	X(max_entries, number)				\
	X(max_key_size, number)				\
	X(max_value_size, number)			\
	X(log2_buckets, number)				\
	X(resize, resizing)				\
	X(old_log2_buckets, number)			\
	X(nevacuate, number)				\
	X(old_buckets, number)				\
	X(overflow_buckets, number)			\
	X(grows, number)				\
	X(same_size_grows, number)			\
	X(shrinks, number)				\
	X(evacuated_by_writes, number)			\
	X(evacuated_by_worker, number)			\
	X(memory_bytes, number)

/* HMAP_IOC_STATS - a snapshot of the map's state and counters. */
#define HMAP_IOC_STATS		_IO(HMAP_IOC_MAGIC, 0x07)

/**
 * struct hmap_ioc_clear - argument of HMAP_IOC_CLEAR
 * @size: sizeof(struct hmap_ioc_clear).
 * @flags: must be 0.
 */
struct hmap_ioc_clear {
	__u32 size;
	__u32 flags;
};

/*
 * HMAP_IOC_CLEAR - remove every key. It needs no memory it cannot do
 * without, so it fails only for a bad argument.
 */
#define HMAP_IOC_CLEAR		_IO(HMAP_IOC_MAGIC, 0x08)

/**
 * DOC: Named maps: the hmap filesystem
 *
 * Besides the map of /dev/hmap, any number of maps can be created at run
 * time, each with its own parameters and a name. They are files in a
 * small filesystem of type "hmap", one superblock shared by every mount
 * (conventionally mounted on /sys/fs/hmap, which the module provides):
 *
 *	mount -t hmap none /sys/fs/hmap
 *
 * A map is created with HMAP_IOC_CREATE on a file descriptor of that
 * directory (as btrfs creates a subvolume by an ioctl on its parent
 * directory), opened with open(2) and used with the ioctls above exactly
 * as /dev/hmap is, listed with readdir(3), and destroyed with unlink(2).
 * Its owner, group and mode are a file's: the creator's fsuid and fsgid
 * (the directory's group if it is set-group-ID), the mode asked for less
 * the umask; open(2) checks them, chmod(2) and chown(2) change them, and a
 * file opened read-only gets EBADF for the commands that change the map.
 * The directory is mode 1777 like /tmp: anyone may create maps, and only
 * a map's owner (or root) may unlink it; chmod it to restrict creation.
 *
 * unlink(2) removes the name at once; the map itself, and its memory, go
 * when the last file descriptor open on it is closed. Unmounting the last
 * mount destroys every map in it (umount fails with EBUSY while one is
 * open), and while the filesystem is mounted the module cannot be
 * unloaded. A map's inode number is its id, the one the tracepoints and
 * HMAP_IOC_STATS report ("ls -i", "find /sys/fs/hmap -inum ID"), and
 * read(2) on a map's file gives its statistics as "name value" lines
 * (the fields of HMAP_STATS_FIELDS, then size_hint, frozen and no_shrink).
 *
 * Everything a named map allocates is charged to the memory cgroup of the
 * process that created it, whoever writes to it later. The module
 * parameters max_maps and maps_memory_limit bound the number of named
 * maps and their total memory.
 */

/* The f_type statfs(2) reports for the hmap filesystem ("hmap"). */
#define HMAP_FS_MAGIC		0x686d6170

/* The longest map name, in bytes, without its terminating NUL. */
#define HMAP_NAME_MAX		63

/*
 * Flags of a new map (struct hmap_ioc_create, struct hmap_params).
 * HMAP_CREATE_NO_SHRINK: the map never shrinks. Deletes leave its bucket
 * array as large as it grew (as rhashtable without automatic_shrinking, or
 * a BPF hash map), so a map emptied and filled again does not shrink and
 * grow again each time; its memory stays that of its largest size.
 */
#define HMAP_CREATE_NO_SHRINK	(1U << 0)
#define HMAP_CREATE_FLAGS	HMAP_CREATE_NO_SHRINK

/**
 * struct hmap_ioc_create - argument of HMAP_IOC_CREATE
 * @size: sizeof(struct hmap_ioc_create).
 * @flags: HMAP_CREATE_* flags; other bits must be 0.
 * @name: the map's name, NUL-terminated; every byte after the NUL must be
 *	0. 1..HMAP_NAME_MAX bytes of ASCII letters, digits, '.', '_' and
 *	'-', not starting with '.'.
 * @max_entries: the most keys the map may hold; 1..268435456.
 * @max_key_size: the longest key, in bytes; 1..4096.
 * @max_value_size: the longest value, in bytes; 0..1048576.
 * @size_hint: keys expected: the map starts big enough for them and never
 *	shrinks below; 0..@max_entries.
 * @mode: the permission bits of the map's file (0..0777); the caller's
 *	umask is taken off, as open(2) does.
 * @__reserved: zero.
 */
struct hmap_ioc_create {
	__u32 size;
	__u32 flags;
	char name[HMAP_NAME_MAX + 1];
	__u32 max_entries;
	__u32 max_key_size;
	__u32 max_value_size;
	__u32 size_hint;
	__u32 mode;
	__u32 __reserved;
};

/*
 * HMAP_IOC_CREATE - create a named map. Issued on a file descriptor of the
 * hmap filesystem's directory (any open mode; O_PATH is not enough), not
 * on a map or /dev/hmap (ENOTTY there).
 * EINVAL: a bad name, a parameter out of range, a mode outside 0777.
 * EEXIST: a map of that name exists.
 * EACCES: the caller may not write in the directory.
 * EROFS: the filesystem is mounted read-only.
 * ENOSPC: max_maps named maps exist, or the named maps together hold
 *	maps_memory_limit of memory.
 * ENOMEM: out of memory (or the creator's memory cgroup is at its limit).
 */
#define HMAP_IOC_CREATE		_IO(HMAP_IOC_MAGIC, 0x09)

/**
 * struct hmap_ioc_freeze - argument of HMAP_IOC_FREEZE
 * @size: sizeof(struct hmap_ioc_freeze).
 * @flags: must be 0.
 */
struct hmap_ioc_freeze {
	__u32 size;
	__u32 flags;
};

/*
 * HMAP_IOC_FREEZE - make the map read-only for everyone, for good (BPF's
 * BPF_MAP_FREEZE). Needs a file opened for writing. When it returns, every
 * command that changes the map and was in flight has finished, and from
 * then on put, delete, take, clear, drain and the writing operations of a
 * batch fail with EPERM through every file, whatever its mode. Freezing a
 * frozen map succeeds.
 */
#define HMAP_IOC_FREEZE		_IO(HMAP_IOC_MAGIC, 0x0a)

/*
 * HMAP_IOC_DRAIN - lookup-and-delete batch (BPF's
 * BPF_MAP_LOOKUP_AND_DELETE_BATCH) over the dump cursor: takes a &struct
 * hmap_ioc_dump and fills @buf exactly as HMAP_IOC_DUMP does, then removes
 * each key returned, if it still has the value returned; the structure
 * (with @cursor, @count, @done) is written back before the first removal.
 * Calling it until @done is 1 empties the map of every key that stayed
 * unchanged meanwhile. A key updated between its copy and its removal is
 * returned with the older value and stays in the map with the newer one;
 * a key inserted during the drain may be missed. Its errors are those of
 * HMAP_IOC_DUMP. Needs a file opened for reading and writing.
 */
#define HMAP_IOC_DRAIN		_IO(HMAP_IOC_MAGIC, 0x0b)

#endif /* _UAPI_LINUX_HMAP_H */
