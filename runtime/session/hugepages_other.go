//go:build !linux

package session

func adviseHugePages([]byte) {}
