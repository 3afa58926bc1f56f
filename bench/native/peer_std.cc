// SPDX-License-Identifier: GPL-2.0
/*
 * std::unordered_map (libstdc++), as a user would write it: 8-byte keys as
 * uint64_t with std::hash (the identity), wider keys as std::array with a
 * hash the user supplies (bench_hash_words()); no reserve().
 */
#include <array>
#include <type_traits>
#include <unordered_map>

#include "harness.hpp"

template <unsigned W>
using Plain = typename std::conditional<W == 1, uint64_t,
					std::array<uint64_t, W>>::type;

template <unsigned W> struct WordsHash {
	size_t operator()(const std::array<uint64_t, W> &k) const
	{
		return bench_hash_words(k.data(), W);
	}
};

template <unsigned KW, unsigned VW> class StdPeer {
	typedef Plain<KW> Key;
	typedef Plain<VW> Val;
	typedef typename std::conditional<KW == 1, std::hash<uint64_t>,
					  WordsHash<KW>>::type Hash;

	static const Key &key(const Words<KW> &k)
	{
		return *reinterpret_cast<const Key *>(k.w);
	}
	static const Val &val(const Words<VW> &v)
	{
		return *reinterpret_cast<const Val *>(v.w);
	}

	std::unordered_map<Key, Val, Hash> m_;

public:
	static constexpr const char *name = "std_unordered_map";
	static constexpr bool concurrent = false;

	StdPeer(unsigned, unsigned, uint64_t, uint64_t = 0) {}
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
	return bench_main<StdPeer>(argc, argv);
}
