#!/usr/bin/env python
from yanglao.cli import main

if __name__ == "__main__":
    main()
