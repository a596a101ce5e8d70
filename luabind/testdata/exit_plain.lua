-- want-exit: 0
exit()
error("not reached")
