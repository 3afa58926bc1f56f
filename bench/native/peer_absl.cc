// SPDX-License-Identifier: GPL-2.0
/*
 * absl::flat_hash_map (Debian libabsl-dev), as a user would write it:
 * 8-byte keys as uint64_t, wider keys as std::array, both with absl::Hash
 * (its default); no reserve().
 */
#include <array>
#include <type_traits>
#include <absl/container/flat_hash_map.h>

#include "harness.hpp"

template <unsigned W>
using Plain = typename std::conditional<W == 1, uint64_t,
					std::array<uint64_t, W>>::type;

template <unsigned KW, unsigned VW> class AbslPeer {
	typedef Plain<KW> Key;
	typedef Plain<VW> Val;

	static const Key &key(const Words<KW> &k)
	{
		return *reinterpret_cast<const Key *>(k.w);
	}
	static const Val &val(const Words<VW> &v)
	{
		return *reinterpret_cast<const Val *>(v.w);
	}

	absl::flat_hash_map<Key, Val> m_;

public:
	static constexpr const char *name = "absl_flat_hash_map";
	static constexpr bool concurrent = false;

	AbslPeer(unsigned, unsigned, uint64_t, uint64_t = 0) {}
	bool insert(const Words<KW> &k, const Words<VW> &v)
	{
		return m_.emplace(key(k), val(v)).second;
	}
	bool lookup(const Words<KW> &k, Words<VW> &out)
	{
		auto it = m_.find(key(k));
		if (it == m_.end())
			return false;
		memcpy(out.w, &it->second, sizeof(out.w));
		return true;
	}
	bool update(const Words<KW> &k, const Words<VW> &v)
	{
		m_.insert_or_assign(key(k), val(v));
		return true;
	}
	bool erase(const Words<KW> &k) { return m_.erase(key(k)) == 1; }
	double settle() { return -1; }
	void extra(Emit &) {}
	static void finish(Emit &) {}
	static void quiesce() {}
	static void thread_online() {}
	static void thread_offline() {}
};

int main(int argc, char **argv)
{
	return bench_main<AbslPeer>(argc, argv);
}
